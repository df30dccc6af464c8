import AsyncHTTPClient
import ExampleSupport
import Foundation
import KafkaTransport
import Logging
import Messaging
import NIOCore
import NIOHTTP1
import Testing

@testable import DatatypeChannelExample

/// The seed's body of `POST /send_message`.
let seedBody = #"{"id_cliente": "10", "nombre": "Grupo 3", "edad": 1, "promocion": "20% de descuento"}"#

/// The seed's answer to `POST /send_message`, character for character.
let seedSent = """
    {
        "message": "Mensaje enviado a Kafka y almacenado en Redis",
        "status": "success"
    }

    """

/// The seed's answer to `GET /get_message/10` and `GET /consume_message`, character for character.
let seedRecord = """
    {
        "message": {
            "edad": 1,
            "id_cliente": "10",
            "nombre": "Grupo 3",
            "promocion": "20% de descuento"
        },
        "status": "success"
    }

    """

/// A configuration on a port the system chooses.
func testConfiguration(_ role: ExampleConfiguration.Role = .all, kafka: KafkaConfiguration? = nil)
    -> ExampleConfiguration
{
    var configuration = ExampleConfiguration(role: role, port: 0)
    if let kafka {
        configuration.transport = .kafka(kafka)
    }
    return configuration
}

/// A logger that keeps the test output quiet.
let quietLogger: Logger = {
    var logger = Logger(label: "DatatypeChannelExampleTests")
    logger.logLevel = .critical
    return logger
}()

/// Runs `applications` around `body`, then shuts them down gracefully.
func running(_ applications: [ExampleApplication], _ body: () async throws -> Void) async throws {
    try await withRunningServices(applications, logger: quietLogger, body)
}

/// An HTTP answer: its status code and body.
struct Answer: Sendable {
    var status: Int
    var body: String

    /// The body parsed as a JSON object.
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]) ?? [:]
    }
}

/// Makes one HTTP request to the example on `port`, with `body` of `contentType`.
func call(
    _ method: HTTPMethod,
    _ port: Int,
    _ path: String,
    body: Data? = nil,
    contentType: String? = "application/json"
) async throws -> Answer {
    var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
    request.method = method
    if let body {
        if let contentType {
            request.headers.add(name: "Content-Type", value: contentType)
        }
        request.body = .bytes(ByteBuffer(bytes: body))
    }
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
    let bytes = try await response.body.collect(upTo: 1 << 20)
    return Answer(status: Int(response.status.code), body: String(buffer: bytes))
}

/// `POST path` with a JSON body given as text.
func post(_ port: Int, _ path: String, _ json: String) async throws -> Answer {
    try await call(.POST, port, path, body: Data(json.utf8))
}

/// Asks `GET path` until `condition` holds for its answer; records an issue and returns the
/// last answer if it does not within `timeout`.
func eventually(
    _ port: Int,
    _ path: String,
    timeout: Duration = .seconds(30),
    sourceLocation: SourceLocation = #_sourceLocation,
    until condition: (Answer) -> Bool = { $0.status != 404 }
) async throws -> Answer {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    while true {
        let answer = try await call(.GET, port, path)
        if condition(answer) { return answer }
        guard clock.now < deadline else {
            Issue.record(
                "GET \(path) did not answer as expected within \(timeout): \(answer.body)",
                sourceLocation: sourceLocation
            )
            return answer
        }
        try await clock.sleep(for: .milliseconds(20))
    }
}

/// Files of the formats the binary channels carry, as their first bytes.
enum Files {
    static let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D])
    static let pdf = Data("%PDF-1.7\n".utf8)
}
