import AsyncHTTPClient
import ChannelAdapterHTTP
import Hummingbird
import MessageBus
import MessageBusTesting
import Messaging
import MetricsTestKit
import NIOCore
import Testing

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

@Suite("Inbound HTTP endpoint")
struct InboundEndpointTests {
    /// What the seed's `POST /send` takes.
    struct Greeting: BusMessage, Equatable {
        static let messageType = "course.greeting"
        var id: Int
        var mensaje: String
    }

    /// What the seed's `POST /send` answers.
    struct SeedAnswer: Encodable, Sendable {
        var data: Greeting
        var message: String
    }

    /// Refuses every publication, as a transport that is down does.
    struct RefusingTransport: OutgoingMiddleware {
        func publish(_ messages: [Message], to topic: String, context: OutgoingContext, next: NextPublisher)
            async throws -> [Message]
        {
            throw MessagingError(.shutDown, "The transport is shutting down.")
        }
    }

    /// An answer: its status and body.
    struct Answer {
        var status: Int
        var body: String
    }

    /// Serves `endpoint` at `POST /send` and posts `body` to it with `contentType`.
    static func post(
        _ body: String,
        contentType: String? = "application/json",
        to endpoint: InboundEndpoint<Greeting>
    ) async throws -> Answer {
        let router = Router()
        endpoint.register(on: router, at: "send")
        return try await withServer(router) { baseURL in
            var request = HTTPClientRequest(url: "\(baseURL)/send")
            request.method = .POST
            if let contentType {
                request.headers.add(name: "Content-Type", value: contentType)
            }
            request.body = .bytes(ByteBuffer(string: body))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            let answer = try await response.body.collect(upTo: 1 << 20)
            return Answer(status: Int(response.status.code), body: String(buffer: answer))
        }
    }

    static func seedEndpoint(_ harness: BusHarness, maximumBodyBytes: Int = 1 << 20) -> InboundEndpoint<Greeting> {
        InboundEndpoint(bus: harness.bus, topic: "greetings", as: Greeting.self, maximumBodyBytes: maximumBodyBytes) {
            greeting,
            _ in
            SeedAnswer(data: greeting, message: "Mensaje enviado a Kafka")
        }
    }

    @Test func theSeedsCallIsPublishedAndAnsweredWithTheSeedsAnswer() async throws {
        let harness = BusHarness()
        let answer = try await harness.run {
            try await Self.post(#"{"id": 1, "mensaje": "Hola desde Postman"}"#, to: Self.seedEndpoint(harness))
        }
        #expect(answer.status == 200)
        #expect(answer.body == #"{"data":{"id":1,"mensaje":"Hola desde Postman"},"message":"Mensaje enviado a Kafka"}"#)
        let published = harness.published(to: "greetings")
        #expect(published.count == 1)
        #expect(try published.first?.decode(Greeting.self) == Greeting(id: 1, mensaje: "Hola desde Postman"))
    }

    @Test func aRespondClosureWritesTheWholeAnswer() async throws {
        let harness = BusHarness()
        let endpoint = InboundEndpoint(bus: harness.bus, topic: "greetings", as: Greeting.self) { greeting, message in
            Response(
                status: .created,
                headers: [.contentType: "text/plain", .location: "/greetings/\(message.id)"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: "got \(greeting.mensaje)\n"))
            )
        }
        let (answer, refused) = try await harness.run {
            (
                try await Self.post(#"{"id": 3, "mensaje": "Hola"}"#, to: endpoint),
                try await Self.post(#"{"id": "3"}"#, to: endpoint)
            )
        }
        #expect(answer.status == 201)
        #expect(answer.body == "got Hola\n")
        #expect(refused.status == 400)
        #expect(refused.body.contains("'id'"))
        #expect(harness.published(to: "greetings").count == 1)
    }

    @Test func theDefaultAnswerIsAReceipt() async throws {
        let harness = BusHarness()
        let endpoint = InboundEndpoint(bus: harness.bus, topic: "greetings", as: Greeting.self, status: .accepted)
        let answer = try await harness.run {
            try await Self.post(#"{"id": 2, "mensaje": "Hola"}"#, to: endpoint)
        }
        #expect(answer.status == 202)
        let id = try #require(harness.published(to: "greetings").first?.id)
        #expect(
            try JSONDecoder().decode(InboundReceipt.self, from: Data(answer.body.utf8))
                == InboundReceipt(id: id, topic: "greetings")
        )
    }

    @Test(arguments: [
        (#"{"id": 1, "mensaje": "#, "the body is not valid JSON", nil as String?),
        (#"{"id": 1}"#, "missing field 'mensaje'", "mensaje"),
        (#"{"id": "one", "mensaje": "Hola"}"#, "field 'id'", "id"),
    ])
    func badJSONIsA400NamingWhatWasWrongAndPublishesNothing(body: String, reason: String, field: String?) async throws {
        let harness = BusHarness()
        let answer = try await harness.run { try await Self.post(body, to: Self.seedEndpoint(harness)) }
        #expect(answer.status == 400)
        #expect(answer.body.contains(reason), "\(answer.body)")
        if let field {
            #expect(answer.body.contains(#""field":"\#(field)""#), "\(answer.body)")
        }
        #expect(harness.published.isEmpty)
    }

    @Test func aBodyOverTheLimitIsA413AndPublishesNothing() async throws {
        let harness = BusHarness()
        let body = #"{"id": 1, "mensaje": "\#(String(repeating: "a", count: 200))"}"#
        let answer = try await harness.run {
            try await Self.post(body, to: Self.seedEndpoint(harness, maximumBodyBytes: 64))
        }
        #expect(answer.status == 413)
        #expect(answer.body.contains("at most 64 bytes"))
        #expect(harness.published.isEmpty)
    }

    @Test func aStreamedBodyOverTheLimitIsA413AndPublishesNothing() async throws {
        let harness = BusHarness()
        let router = Router()
        Self.seedEndpoint(harness, maximumBodyBytes: 64).register(on: router, at: "send")
        let answer = try await harness.run {
            try await withServer(router) { baseURL in
                var request = HTTPClientRequest(url: "\(baseURL)/send")
                request.method = .POST
                request.headers.add(name: "Content-Type", value: "application/json")
                let payload = #"{"id": 1, "mensaje": "\#(String(repeating: "a", count: 100))"}"#
                // Without a length, the body is sent in chunks and only reading it finds it too large.
                request.body = .bytes(Array(payload.utf8), length: .unknown)
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
                let body = try await response.body.collect(upTo: 1 << 20)
                return Answer(status: Int(response.status.code), body: String(buffer: body))
            }
        }
        #expect(answer.status == 413)
        #expect(harness.published.isEmpty)
    }

    @Test(arguments: ["text/plain", nil])
    func aBodyThatIsNotJSONIsA415AndPublishesNothing(contentType: String?) async throws {
        let metrics = TestMetrics()
        let harness = BusHarness(metricsFactory: metrics)
        let answer = try await harness.run {
            try await Self.post(
                #"{"id": 1, "mensaje": "Hola"}"#,
                contentType: contentType,
                to: Self.seedEndpoint(harness)
            )
        }
        #expect(answer.status == 415)
        #expect(answer.body.contains("application/json"))
        #expect(harness.published.isEmpty)
        let counted = try metrics.expectCounter(
            "channel_adapter_inbound_total",
            [("topic", "greetings"), ("status", "415")]
        )
        #expect(counted.totalValue == 1)
    }

    @Test func aJSONMediaTypeWithParametersOrASuffixIsAccepted() async throws {
        let harness = BusHarness()
        let answers = try await harness.run {
            [
                try await Self.post(
                    #"{"id": 1, "mensaje": "a"}"#,
                    contentType: "application/json; charset=utf-8",
                    to: Self.seedEndpoint(harness)
                ),
                try await Self.post(
                    #"{"id": 2, "mensaje": "b"}"#,
                    contentType: "application/vnd.erp+json",
                    to: Self.seedEndpoint(harness)
                ),
            ]
        }
        #expect(answers.map(\.status) == [200, 200])
        #expect(harness.published(to: "greetings").count == 2)
    }

    @Test func aValueTheValidatorRefusesIsA400AndPublishesNothing() async throws {
        struct EmptyGreeting: Error, CustomStringConvertible {
            var description: String { "mensaje must not be empty" }
        }
        let harness = BusHarness()
        let endpoint = InboundEndpoint(
            bus: harness.bus,
            topic: "greetings",
            as: Greeting.self,
            validate: { greeting in
                if greeting.mensaje.isEmpty { throw EmptyGreeting() }
            }
        )
        let answer = try await harness.run { try await Self.post(#"{"id": 1, "mensaje": ""}"#, to: endpoint) }
        #expect(answer.status == 400)
        #expect(answer.body.contains("mensaje must not be empty"))
        #expect(harness.published.isEmpty)
    }

    @Test func aValueThatCannotBeMadeIntoAMessageIsA500NotARetry() async throws {
        struct Unencodable: Error {}
        let harness = BusHarness()
        let endpoint = InboundEndpoint(
            bus: harness.bus,
            topic: "greetings",
            as: Greeting.self,
            message: { _ in throw Unencodable() },
            answer: { _, message in InboundReceipt(id: message.id, topic: "greetings") }
        )
        let answer = try await harness.run { try await Self.post(#"{"id": 1, "mensaje": "Hola"}"#, to: endpoint) }
        #expect(answer.status == 500)
        #expect(answer.body.contains("could not be made into a message"))
        #expect(harness.published.isEmpty)
    }

    @Test func aTransportThatRefusesIsA503() async throws {
        let harness = BusHarness(outgoing: [RefusingTransport()])
        let answer = try await harness.run {
            try await Self.post(#"{"id": 1, "mensaje": "Hola"}"#, to: Self.seedEndpoint(harness))
        }
        #expect(answer.status == 503)
        #expect(answer.body.contains("could not be published"))
        #expect(harness.published.isEmpty)
    }
}
