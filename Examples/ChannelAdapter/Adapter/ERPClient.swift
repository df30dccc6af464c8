import AsyncHTTPClient
import ChannelAdapter
import ExampleSupport
import Foundation
import NIOCore
import NIOHTTP1

/// The adapter's side of the ERP's HTTP API: the pages of orders and the status updates.
struct ERPClient: Sendable {
    /// The ERP's base URL, such as `http://127.0.0.1:5010`; asked at each call, as the ERP of
    /// the same process reports its port once it listens.
    let baseURL: @Sendable () async throws -> String
    /// How long one call may take.
    var timeout: TimeAmount = .seconds(10)

    /// One answer of the ERP.
    struct Answer: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: Data
    }

    /// `GET /orders?after=CURSOR&limit=LIMIT`.
    func orders(after cursor: String?, limit: Int) async throws -> Answer {
        var path = "/orders?limit=\(limit)"
        if let cursor {
            path += "&after=\(cursor)"
        }
        return try await send(.GET, path)
    }

    /// `PUT /orders/{id}/status` with `body`, sent under `idempotencyKey`.
    func updateStatus(of id: Int, body: JSONValue, idempotencyKey: String) async throws -> Answer {
        try await send(
            .PUT,
            "/orders/\(id)/status",
            body: Data(body.text.utf8),
            headers: ["Idempotency-Key": idempotencyKey]
        )
    }

    private func send(
        _ method: HTTPMethod,
        _ path: String,
        body: Data? = nil,
        headers: [String: String] = [:]
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: try await baseURL() + path)
        request.method = method
        for (name, value) in headers {
            request.headers.add(name: name, value: value)
        }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: timeout)
        let bytes = try await response.body.collect(upTo: 16 << 20)
        return Answer(status: Int(response.status.code), headers: response.headers, body: Data(bytes.readableBytesView))
    }
}

/// The ERP's orders as a `PollingSource`: each page is `GET /orders?after=CURSOR`, the cursor
/// being the number of the last order read.
struct ERPOrders: PollingSource {
    let erp: ERPClient
    /// How many orders one poll reads at most.
    var pageSize = 100

    /// The page of the ERP's answer.
    private struct Page: Decodable {
        var orders: [PurchaseOrder]
        var nextCursor: String?

        enum CodingKeys: String, CodingKey {
            case orders
            case nextCursor = "next_cursor"
        }
    }

    func poll(after cursor: String?) async throws -> PolledPage<PurchaseOrder> {
        let answer = try await erp.orders(after: cursor, limit: pageSize)
        guard answer.status == 200 else {
            throw ChannelAdapterError(
                .sourceFailed,
                "GET /orders after \(cursor ?? "the beginning") answered \(answer.status)",
                isRetriable: DeliveryPolicy.isRetriable(statusCode: answer.status),
                statusCode: answer.status
            )
        }
        let page = try JSONDecoder().decode(Page.self, from: answer.body)
        return PolledPage(page.orders, nextCursor: page.orders.isEmpty ? nil : page.nextCursor)
    }
}
