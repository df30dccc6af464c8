import AsyncHTTPClient
import ExampleSupport
import Foundation
import KafkaTransport
import Logging
import Messaging
import NIOCore
import NIOHTTP1
import Testing

@testable import MessageBusExample

/// The seed's POST body, with the seed's timestamp so that every answer can be compared as text.
let seedOrder =
    #"{"order_id": "123458", "product": "Laptop", "quantity": 1, "price": 1200.0, "timestamp": 1740246230.3059227}"#

/// The seed's answer to `GET /processed_orders/123458`, character for character.
let seedProcessedOrder = """
    {
        "order_id": "123458",
        "price": 1200.0,
        "product": "Laptop",
        "quantity": 1,
        "timestamp": 1740246230.3059227
    }
    """

/// A configuration on ports the system chooses, keeping its databases in `data` (by default a
/// fresh temporary directory).
func testConfiguration(
    _ role: ExampleConfiguration.Role = .all,
    kafka: KafkaConfiguration? = nil,
    data: DataDirectory? = nil
) -> ExampleConfiguration {
    var configuration = ExampleConfiguration(role: role, salesPort: 0, queryPort: 0, dataDirectory: data)
    if let kafka {
        configuration.transport = .kafka(kafka)
    }
    return configuration
}

/// A logger that keeps the test output quiet.
let quietLogger: Logger = {
    var logger = Logger(label: "MessageBusExampleTests")
    logger.logLevel = .error
    return logger
}()

/// Runs `applications` around `body`, then shuts them down gracefully.
func running(_ applications: [ExampleApplication], _ body: () async throws -> Void) async throws {
    try await withRunningServices(applications, logger: quietLogger, body)
}

/// An HTTP answer: its status code, content type and body.
struct Answer: Sendable {
    var status: Int
    var contentType: String?
    var body: String

    /// The body parsed as JSON.
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]) ?? [:]
    }
}

/// Makes one HTTP request to the example on `port`.
func call(_ method: HTTPMethod, _ port: Int, _ path: String, body: String? = nil) async throws -> Answer {
    var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
    request.method = method
    if let body {
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: body))
    }
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
    let bytes = try await response.body.collect(upTo: 1 << 20)
    return Answer(
        status: Int(response.status.code),
        contentType: response.headers.first(name: "Content-Type"),
        body: String(buffer: bytes)
    )
}

/// Asks `GET path` until it answers something other than 404, failing the test if it does not
/// within `timeout`.
func whenProcessed(
    _ port: Int,
    _ path: String,
    timeout: Duration = .seconds(30),
    sourceLocation: SourceLocation = #_sourceLocation
) async throws -> Answer {
    try await eventually(port, path, timeout: timeout, sourceLocation: sourceLocation) { $0.status != 404 }
}

/// Asks `GET path` until `condition` holds for its answer, failing the test if it does not
/// within `timeout`; returns the last answer.
func eventually(
    _ port: Int,
    _ path: String,
    timeout: Duration = .seconds(30),
    sourceLocation: SourceLocation = #_sourceLocation,
    until condition: (Answer) -> Bool
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

/// Runs kcat, the command-line Kafka client, with `arguments`, feeding it `input`; returns what it
/// printed, failing the test if it is not installed or exits with an error.
func kcat(_ arguments: [String], input: Data? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws -> Data {
    let executable = try #require(
        ["/usr/bin/kcat", "/usr/local/bin/kcat", "/opt/homebrew/bin/kcat"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        },
        "kcat is needed: scripts/test.sh installs it",
        sourceLocation: sourceLocation
    )
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let standardInput = Pipe()
    let standardOutput = Pipe()
    process.standardInput = standardInput
    process.standardOutput = standardOutput
    process.standardError = FileHandle.nullDevice
    try process.run()
    if let input {
        standardInput.fileHandleForWriting.write(input)
    }
    try standardInput.fileHandleForWriting.close()
    let printed = standardOutput.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(
        process.terminationStatus == 0,
        "kcat \(arguments.joined(separator: " ")) failed",
        sourceLocation: sourceLocation
    )
    return printed
}
