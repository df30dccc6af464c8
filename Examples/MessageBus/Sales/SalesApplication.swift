import ExampleSupport
import Foundation
import Hummingbird
import MessageBus

/// The sales application (*ventas*): takes each purchase over HTTP and sends it to the Message
/// Bus, knowing nothing of who receives it.
///
/// `POST /produce` accepts the order as JSON, bare or wrapped as `{"order": {...}}`, fills in
/// its `timestamp` when absent, publishes it to the topic `MessageBus` keyed by order id, and
/// answers with the order as sent. A bad order is refused with 400 and the field that was wrong;
/// an order id already sent with different content with 409. Nothing is published for either.
struct SalesApplication: Sendable {
    /// The largest request body accepted.
    static let maximumBodyBytes = 64 * 1024

    let bus: Bus
    let topic: String
    /// Where orders go, as the response's message names it, such as `Kafka (localhost:9092)`.
    let destination: String
    private let ledger: SalesLedger

    /// Sends orders on `bus` to `topic`, remembering them in `ledger`.
    init(bus: Bus, ledger: SalesLedger, topic: String, destination: String) {
        self.bus = bus
        self.ledger = ledger
        self.topic = topic
        self.destination = destination
    }

    /// The routes of the sales server.
    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("produce") { request, context in
            let body = try await request.body.collect(upTo: Self.maximumBodyBytes)
            return try await produce(Data(buffer: body))
        }
        return router
    }

    /// Validates, publishes and answers one order.
    func produce(_ body: Data) async throws(APIError) -> Response {
        var order: Order
        do {
            order = try JSONDecoder().decode(ProduceRequest.self, from: body).order
        } catch let error as DecodingError {
            throw APIError.invalidBody(error)
        } catch {
            throw APIError(.badRequest, "the body is not valid JSON")
        }
        if order.timestamp == nil {
            order.timestamp = Date().timeIntervalSince1970
        }
        let claim: SalesLedger.Claim
        do {
            claim = try await ledger.claim(order)
        } catch {
            throw APIError(.serviceUnavailable, "the sales database did not answer: \(error)")
        }
        switch claim {
        case .send:
            break
        case .alreadySent(let previous):
            return answer(
                "Order \(previous.orderID) was already sent to \(destination); it was not sent again",
                previous
            )
        case .conflict(let previous):
            throw APIError(
                .conflict,
                "order_id '\(order.orderID)' was already sent with different content (\(previous.quantity) × \(previous.product) at \(previous.price))",
                field: "order_id"
            )
        case .inProgress:
            throw APIError(.conflict, "order_id '\(order.orderID)' is being sent by another request", field: "order_id")
        }
        do {
            try await bus.publish(order, to: topic)
        } catch {
            await ledger.release(order)
            throw APIError(.serviceUnavailable, "the Message Bus did not take the order: \(error)")
        }
        do {
            try await ledger.record(order)
        } catch {
            throw APIError(
                .internalServerError,
                "order \(order.orderID) was sent, but the sales database did not record it: \(error)"
            )
        }
        return answer("Order sent to the Message Bus: topic '\(topic)' on \(destination)", order)
    }

    private func answer(_ message: String, _ order: Order) -> Response {
        .json(.object([("message", .string(message)), ("order", order.json)]))
    }
}

/// The body of `POST /produce`: an order, or an order wrapped as `{"order": {...}}`.
struct ProduceRequest: Decodable {
    var order: Order

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyCodingKey.self)
        if container.allKeys.map(\.stringValue) == ["order"] {
            order = try container.decode(Order.self, forKey: AnyCodingKey("order"))
        } else {
            order = try Order(from: decoder)
        }
    }
}
