import Hummingbird
import HummingbirdTesting
import Testing

/// Runs `router` on a real HTTP server on a free local port around `body`, which gets the
/// server's base URL, `http://127.0.0.1:<port>`.
func withServer<Result: Sendable>(
    _ router: Router<BasicRequestContext>,
    _ body: @Sendable (_ baseURL: String) async throws -> Result
) async throws -> Result {
    let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    return try await app.test(.live) { client in
        let port = try #require(client.port)
        return try await body("http://127.0.0.1:\(port)")
    }
}

/// The name of an HTTP field, for fields `HTTPFields` has no constant for.
typealias FieldName = HTTPFields.Element.Name
