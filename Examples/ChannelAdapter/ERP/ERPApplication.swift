import ExampleSupport
import Foundation
import Hummingbird

/// The ERP (*sistema ERP*) of the case: it keeps the purchase orders and has an internal HTTP
/// API, but cannot publish messages. The channel adapter polls it and updates it.
///
/// - `POST /orders` with `{"product": ..., "quantity": ..., "supplier": ...}`: a pending order;
///   201 with the order.
/// - `GET /orders?after=CURSOR&limit=N`: the orders after order number `CURSOR` (from the
///   first without it), oldest first, at most `N` (100 by default, at most 500), as
///   `{"orders": [...], "next_cursor": "ID"}`, the cursor being the last order's number (the one
///   given when there are none); also as a `Link` header `rel="next"`.
/// - `GET /orders/{id}`: one order, with each system's answer.
/// - `PUT /orders/{id}/status` with `{"system": "inventory"|"supplier", "status":
///   "confirmed"|"rejected", "detail": ...}`: records a system's answer; the order is `confirmed`
///   once both confirmed. With an `Idempotency-Key` header the update is applied once: the same
///   key and body again answer the first answer; the same key with another body answers 422.
/// - `GET /orders/{id}/history`: every status update the order was sent, with its key and the
///   status answered.
/// - `POST /faults` with `{"status": 503, "count": 2, "retry_after": 1}`: the next `count`
///   status updates answer `status` (with `Retry-After`) instead of being applied.
struct ERPApplication: Sendable {
    /// The largest body read.
    static let maximumBodyBytes = 64 * 1024
    /// The `Idempotency-Key` header.
    static let idempotencyKey = HTTPFields.Element.Name("Idempotency-Key")!
    /// The `Link` header of a page.
    static let link = HTTPFields.Element.Name("Link")!
    /// The `Retry-After` header of a fault.
    static let retryAfter = HTTPFields.Element.Name("Retry-After")!

    let orders: OrderBook
    let faults: ERPFaults

    /// Adds the ERP's routes to `router`.
    func addRoutes(to router: Router<BasicRequestContext>) {
        router.post("orders") { request, _ in
            let body = try await Self.decode(NewOrder.self, from: request)
            try body.validate()
            let entry = try await orders.create(product: body.product, quantity: body.quantity, supplier: body.supplier)
            return Response.json(entry.json, status: .created)
        }
        router.get("orders") { request, _ in
            let after = try Self.integer(request.uri.queryParameters.get("after"), named: "after") ?? 0
            let limit = try Self.integer(request.uri.queryParameters.get("limit"), named: "limit") ?? 100
            guard (1...500).contains(limit) else {
                throw APIError(.badRequest, "limit must be from 1 to 500; got \(limit)", field: "limit")
            }
            let entries = try await orders.page(after: after, limit: limit)
            let next = entries.last?.order.id ?? after
            var response = Response.json(
                .object([("orders", .array(entries.map(\.json))), ("next_cursor", .string(String(next)))])
            )
            if !entries.isEmpty {
                response.headers[Self.link] = "</orders?after=\(next)&limit=\(limit)>; rel=\"next\""
            }
            return response
        }
        router.get("orders/:id") { _, context in
            let id = try Self.orderID(context)
            guard let entry = try await orders.entry(id) else { throw Self.unknown(id) }
            return Response.json(entry.json)
        }
        router.get("orders/:id/history") { _, context in
            let id = try Self.orderID(context)
            guard try await orders.entry(id) != nil else { throw Self.unknown(id) }
            let requests = try await orders.requests(id).map { request in
                JSONValue.object([
                    ("idempotency_key", request.key.map(JSONValue.string) ?? .null),
                    ("answer", .integer(request.answer)),
                ])
            }
            return Response.json(.object([("order_id", .integer(id)), ("status_updates", .array(requests))]))
        }
        router.put("orders/:id/status") { request, context in
            let id = try Self.orderID(context)
            let key = request.headers[Self.idempotencyKey]
            if let fault = faults.next() {
                try await orders.recordRequest(id, key: key, answer: fault.status)
                var response = Response.json(
                    .object([("error", .string("the ERP is unavailable; try again later"))]),
                    status: HTTPResponse.Status(code: fault.status)
                )
                if let retryAfter = fault.retryAfter {
                    response.headers[Self.retryAfter] = String(retryAfter)
                }
                return response
            }
            let body = try await Self.body(of: request)
            let update: StatusUpdate
            do {
                update = try JSONDecoder().decode(StatusUpdate.self, from: body)
                try update.validate()
            } catch let error as DecodingError {
                try await orders.recordRequest(id, key: key, answer: 400)
                throw APIError.invalidBody(error)
            } catch {
                try await orders.recordRequest(id, key: key, answer: 400)
                throw error
            }
            let outcome = try await orders.update(
                id,
                system: update.system,
                status: update.status,
                detail: update.detail,
                key: key,
                // The order is part of the request: a key reused for another order is refused.
                request: "PUT /orders/\(id)/status \(String(decoding: body, as: UTF8.self))"
            )
            switch outcome {
            case .applied(let entry):
                try await orders.recordRequest(id, key: key, answer: 200)
                return Response.json(entry.json)
            case .replayed(let text):
                try await orders.recordRequest(id, key: key, answer: 200)
                var response = Response.json(.null)
                response.body = ResponseBody(byteBuffer: ByteBuffer(string: text + "\n"))
                response.headers[HTTPFields.Element.Name("Idempotent-Replayed")!] = "true"
                return response
            case .keyReused:
                try await orders.recordRequest(id, key: key, answer: 422)
                throw APIError(
                    .unprocessableContent,
                    "the Idempotency-Key was used before for a different update",
                    field: "Idempotency-Key"
                )
            case .unknownOrder:
                try await orders.recordRequest(id, key: key, answer: 404)
                throw Self.unknown(id)
            }
        }
        router.post("faults") { request, _ in
            let body = try await Self.decode(FaultRequest.self, from: request)
            guard (400...599).contains(body.status), body.count > 0 else {
                throw APIError(.badRequest, "a fault is a status from 400 to 599, given a count above 0")
            }
            faults.inject(status: body.status, count: body.count, retryAfter: body.retryAfter)
            return Response.json(
                .object([
                    ("status", .integer(body.status)),
                    ("count", .integer(body.count)),
                    ("retry_after", body.retryAfter.map(JSONValue.integer) ?? .null),
                ])
            )
        }
    }

    /// The body of `request`, at most ``maximumBodyBytes``.
    private static func body(of request: Request) async throws -> Data {
        do {
            return Data(buffer: try await request.body.collect(upTo: maximumBodyBytes))
        } catch {
            throw APIError(.contentTooLarge, "the body is over \(maximumBodyBytes) bytes")
        }
    }

    /// The body of `request` decoded as `type`, or a 400 naming the field.
    private static func decode<Value: Decodable>(_ type: Value.Type, from request: Request) async throws -> Value {
        let body = try await body(of: request)
        do {
            return try JSONDecoder().decode(type, from: body)
        } catch let error as DecodingError {
            throw APIError.invalidBody(error)
        }
    }

    /// The query parameter `name` as an integer, if present.
    private static func integer(_ text: String?, named name: String) throws -> Int? {
        guard let text else { return nil }
        guard let value = Int(text), value >= 0 else {
            throw APIError(.badRequest, "\(name) must be a whole number ≥ 0; got '\(text)'", field: name)
        }
        return value
    }

    /// The `{id}` of the path, a positive integer.
    private static func orderID(_ context: BasicRequestContext) throws -> Int {
        let text = try context.parameters.require("id")
        guard let id = Int(text), id > 0 else {
            throw APIError(.badRequest, "the order id must be a positive integer; got '\(text)'", field: "id")
        }
        return id
    }

    private static func unknown(_ id: Int) -> APIError {
        APIError(.notFound, "there is no order \(id)", field: "id")
    }
}

/// The body of `POST /orders`.
struct NewOrder: Decodable {
    var product: String
    var quantity: Int
    var supplier: String

    func validate() throws(APIError) {
        guard !product.isEmpty else { throw APIError(.badRequest, "product must not be empty", field: "product") }
        guard quantity > 0 else {
            throw APIError(.badRequest, "field 'quantity' must be greater than 0", field: "quantity")
        }
        guard !supplier.isEmpty else { throw APIError(.badRequest, "supplier must not be empty", field: "supplier") }
    }
}

/// The body of `PUT /orders/{id}/status`.
struct StatusUpdate: Decodable {
    var system: String
    var status: String
    var detail: String

    func validate() throws(APIError) {
        guard OrderBook.confirmingSystems.contains(system) else {
            throw APIError(.badRequest, "system must be inventory or supplier; got '\(system)'", field: "system")
        }
        guard ["confirmed", "rejected"].contains(status) else {
            throw APIError(.badRequest, "status must be confirmed or rejected; got '\(status)'", field: "status")
        }
    }
}

/// The body of `POST /faults`.
struct FaultRequest: Decodable {
    var status: Int
    var count: Int
    var retryAfter: Int?

    enum CodingKeys: String, CodingKey {
        case status, count
        case retryAfter = "retry_after"
    }
}
