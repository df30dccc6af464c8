import AsyncHTTPClient
import ExampleSupport
import Hummingbird
import NIOCore
import NIOHTTP1

/// The seed's API gateway, on :5000: one address for clients, routing `/monitor_aperturas/...`
/// to the side that serves it — `POST`, `PUT` and `DELETE` to the command side, `GET` to the
/// query side — and passing the request's body, `Content-Type`, `X-Consistency-Token` and
/// `X-Request-ID` on, and the answer's status, body and headers back.
///
/// A side that does not answer within ``timeout`` gets 502 naming it.
struct GatewayApplication: Sendable {
    /// The headers passed from the client to a side and back.
    static let forwardedHeaders = ["Content-Type", "X-Consistency-Token", "X-Request-ID"]
    /// The largest body passed on.
    static let maximumBodyBytes = 1 << 20
    /// How long the gateway waits for a side, connecting included (a side that is down is
    /// tried again until then): longer than the command side waits for a command's answer.
    static let timeout: TimeAmount = .seconds(20)

    /// The command side's base URL (`http://127.0.0.1:5002`), asked at each request.
    let commands: @Sendable () async throws -> String
    /// The query side's base URL (`http://127.0.0.1:5004`), asked at each request.
    let queries: @Sendable () async throws -> String

    /// Adds the gateway's routes to `router`.
    func addRoutes(to router: Router<BasicRequestContext>) {
        for path in ["monitor_aperturas/reglas", "monitor_aperturas/reglas/:id"] {
            router.get(RouterPath(path)) { request, _ in try await forward(request, to: queries, side: "queries") }
            router.post(RouterPath(path)) { request, _ in try await forward(request, to: commands, side: "commands") }
            router.put(RouterPath(path)) { request, _ in try await forward(request, to: commands, side: "commands") }
            router.delete(RouterPath(path)) { request, _ in try await forward(request, to: commands, side: "commands") }
        }
    }

    private func forward(
        _ request: Request,
        to base: @Sendable () async throws -> String,
        side: String
    ) async throws -> Response {
        let body = try await request.body.collect(upTo: Self.maximumBodyBytes)
        let url: String
        do {
            url = try await base() + request.uri.description
        } catch {
            throw APIError(.badGateway, "the \(side) side is not running: \(error)")
        }
        var outgoing = HTTPClientRequest(url: url)
        outgoing.method = HTTPMethod(rawValue: request.method.rawValue)
        for name in Self.forwardedHeaders {
            if let field = HTTPFields.Element.Name(name), let value = request.headers[field] {
                outgoing.headers.add(name: name, value: value)
            }
        }
        if body.readableBytes > 0 {
            outgoing.body = .bytes(body)
        }
        let answer: HTTPClientResponse
        let answerBody: ByteBuffer
        do {
            answer = try await HTTPClient.shared.execute(outgoing, timeout: Self.timeout)
            answerBody = try await answer.body.collect(upTo: Self.maximumBodyBytes)
        } catch {
            throw APIError(.badGateway, "the \(side) side did not answer at \(url): \(error)")
        }
        var headers = HTTPFields()
        for name in Self.forwardedHeaders {
            if let field = HTTPFields.Element.Name(name), let value = answer.headers.first(name: name) {
                headers[field] = value
            }
        }
        return Response(
            status: HTTPResponse.Status(code: Int(answer.status.code)),
            headers: headers,
            body: ResponseBody(byteBuffer: answerBody)
        )
    }
}
