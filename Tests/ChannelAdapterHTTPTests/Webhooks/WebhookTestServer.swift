import Foundation
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

/// A local HTTP server on a port the system chooses, whose paths answer scripted statuses and
/// remember every request they received.
final class WebhookTestServer: Sendable {
    /// A request the server received.
    struct Hit: Sendable {
        let path: String
        let headers: [String: String]
        let body: Data
    }

    /// One scripted answer.
    struct Answer: Sendable {
        var status: HTTPResponse.Status
        var headers: [String: String] = [:]
    }

    private let state = Mutex<(hits: [Hit], scripts: [String: [Answer]])>(([], [:]))

    /// Makes `path` answer `answers` in turn, the last one from then on.
    func script(_ path: String, _ answers: [Answer]) {
        state.withLock { $0.scripts[path] = answers }
    }

    /// The requests received on `path`.
    func hits(_ path: String) -> [Hit] {
        state.withLock { $0.hits.filter { $0.path == path } }
    }

    private func answer(_ path: String) -> Answer {
        state.withLock { state in
            guard var answers = state.scripts[path], let first = answers.first else {
                return Answer(status: .notFound)
            }
            if answers.count > 1 {
                answers.removeFirst()
                state.scripts[path] = answers
            }
            return first
        }
    }

    /// Runs the server around `body`, which gets the server's base URL, `http://127.0.0.1:PORT`.
    func run(_ body: @Sendable (_ baseURL: String) async throws -> Void) async throws {
        let router = Router()
        router.post(":path") { request, context -> Response in
            let path = context.parameters.get("path") ?? ""
            var request = request
            let buffer = try await request.collectBody(upTo: 1 << 20)
            let headers = Dictionary(
                request.headers.map { ($0.name.canonicalName, $0.value) },
                uniquingKeysWith: { first, _ in first }
            )
            self.state.withLock {
                $0.hits.append(Hit(path: path, headers: headers, body: Data(buffer.readableBytesView)))
            }
            let answer = self.answer(path)
            var fields = HTTPFields()
            for (name, value) in answer.headers {
                fields[.init(name)!] = value
            }
            return Response(status: answer.status, headers: fields)
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            try await body("http://127.0.0.1:\(port)")
        }
    }
}
