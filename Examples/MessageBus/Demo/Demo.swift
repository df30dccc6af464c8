import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Sends the seed's requests to a running example, printing each request and response as the
/// seed shows them, and checks every answer.
struct Demo: Sendable {
    /// One call of the demo and the status it must answer with.
    struct Call: Sendable {
        var method: HTTPMethod
        var port: Int
        var path: String
        var body: String?
        var expected: HTTPResponseStatus
        /// Whether to ask again, until a deadline, while the answer is 404: the consumers
        /// process the order a moment after sales sent it.
        var waitsForProcessing = false
    }

    let application: ExampleApplication
    let output: @Sendable (String) -> Void
    /// How long to wait for an order to be processed.
    var processingDeadline: Duration = .seconds(30)

    /// The calls: the seed's POST and GET, the other applications' data, and two refused orders.
    func calls() async throws -> [Call] {
        let sales = try await application.salesPort()
        let query = try await application.queryPort()
        return [
            Call(
                method: .POST,
                port: sales,
                path: "/produce",
                body: #"{"order_id": "123458", "product": "Laptop", "quantity": 1, "price": 1200.0}"#,
                expected: .ok
            ),
            Call(
                method: .GET,
                port: query,
                path: "/processed_orders/123458",
                expected: .ok,
                waitsForProcessing: true
            ),
            Call(method: .GET, port: query, path: "/inventory", expected: .ok),
            Call(method: .GET, port: query, path: "/invoices/123458", expected: .ok),
            Call(
                method: .POST,
                port: sales,
                path: "/produce",
                body: #"{"order_id": "123459", "product": "Laptop", "quantity": 0, "price": 1200.0}"#,
                expected: .badRequest
            ),
            Call(
                method: .POST,
                port: sales,
                path: "/produce",
                body: #"{"order_id": "123458", "product": "Laptop", "quantity": 2, "price": 1200.0}"#,
                expected: .conflict
            ),
        ]
    }

    /// Makes every call in turn; throws at the first unexpected answer.
    func run() async throws {
        for call in try await calls() {
            let url = "http://localhost:\(call.port)\(call.path)"
            output("\(call.method.rawValue) \(url)" + (call.body.map { "\n\($0)" } ?? ""))
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: processingDeadline)
            var (status, body) = try await send(call, to: url)
            while call.waitsForProcessing, status == .notFound, clock.now < deadline {
                try await clock.sleep(for: .milliseconds(50))
                (status, body) = try await send(call, to: url)
            }
            output("\(status.code) \(status.reasonPhrase)\n\(body.trimmingCharacters(in: .newlines))")
            guard status == call.expected else {
                throw ExampleError("\(call.method.rawValue) \(url) answered \(status.code), not \(call.expected.code)")
            }
        }
    }

    private func send(_ call: Call, to url: String) async throws -> (HTTPResponseStatus, String) {
        var request = HTTPClientRequest(url: url)
        request.method = call.method
        if let body = call.body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (response.status, String(buffer: body))
    }
}
