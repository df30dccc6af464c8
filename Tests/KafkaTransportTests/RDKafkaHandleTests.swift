import CRdKafka
import Logging
import Messaging
import Testing

@testable import KafkaTransport

/// A client lives as long as a call that still runs on it.
@Suite("librdkafka client handles")
struct RDKafkaHandleTests {
    @Test("A blocking call whose caller stopped waiting keeps its client until the call ends")
    func abandonedCallKeepsItsClient() async throws {
        weak var released: RDKafkaHandle?
        let call: Task<Void, Never>
        do {
            let client = try RDKafkaClient.make(
                RD_KAFKA_PRODUCER,
                properties: ["bootstrap.servers": "127.0.0.1:9"],
                callbacks: RDKafkaLogOnlyCallbacks(logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
            )
            released = client
            // No broker listens there: librdkafka's metadata request runs to its timeout.
            call = Task { _ = try? await RDKafkaAdmin.topics(using: client, timeout: .seconds(10)) }
        }
        call.cancel()
        await call.value
        #expect(released != nil, "the client was released while librdkafka's call still ran on it")
        try await waitUntil("the client is destroyed once the call ended") { released == nil }
    }
}
