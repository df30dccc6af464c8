import ExampleSupport
import Foundation
import MessageBus

/// A purchase, as the sales application sends it to the Message Bus and as inventory and billing
/// receive it: the seed's JSON object with snake-case keys.
///
/// Decoding validates every field and names the one that is wrong, so the same rules hold for an
/// order posted over HTTP and for one any Kafka client wrote to the topic.
struct Order: BusMessage, Equatable {
    static let messageType = "sales.order.placed"

    /// The keys an order may have; any other key is refused.
    enum CodingKeys: String, CodingKey, CaseIterable {
        case orderID = "order_id"
        case product
        case quantity
        case price
        case timestamp
    }

    var orderID: String
    var product: String
    var quantity: Int
    var price: Double
    /// Seconds since 1970, fractional; the sales application fills it in when absent.
    var timestamp: Double?

    /// Orders of one id stay in order.
    var partitionKey: String? { orderID }

    /// What the order costs: quantity × price.
    var total: Double { Double(quantity) * price }

    init(orderID: String, product: String, quantity: Int, price: Double, timestamp: Double? = nil) {
        self.orderID = orderID
        self.product = product
        self.quantity = quantity
        self.price = price
        self.timestamp = timestamp
    }

    init(from decoder: any Decoder) throws {
        let unknown = try decoder.container(keyedBy: AnyCodingKey.self).allKeys
            .map(\.stringValue)
            .filter { CodingKeys(rawValue: $0) == nil }
            .sorted()
        if let first = unknown.first {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: [AnyCodingKey(first)],
                    debugDescription: "unknown field; an order has only \(Self.fieldList)"
                )
            )
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        orderID = try container.decode(String.self, forKey: .orderID)
        product = try container.decode(String.self, forKey: .product)
        quantity = try Self.decodeWholeNumber(.quantity, in: container)
        price = try container.decode(Double.self, forKey: .price)
        timestamp = try container.decodeIfPresent(Double.self, forKey: .timestamp)
        try Self.require(
            !orderID.trimmingCharacters(in: .whitespaces).isEmpty,
            .orderID,
            "must not be empty",
            in: container
        )
        try Self.require(orderID.utf8.count <= 256, .orderID, "must be at most 256 bytes long", in: container)
        try Self.require(
            !product.trimmingCharacters(in: .whitespaces).isEmpty,
            .product,
            "must not be empty",
            in: container
        )
        try Self.require(quantity > 0, .quantity, "must be greater than 0", in: container)
        try Self.require(price.isFinite && price >= 0, .price, "must be a number 0 or greater", in: container)
        if let timestamp {
            try Self.require(
                timestamp.isFinite && timestamp >= 0,
                .timestamp,
                "must be seconds since 1970",
                in: container
            )
        }
    }

    /// The same order apart from its timestamp: a client that sends an order again need not
    /// repeat the timestamp the sales application gave it.
    func hasSameContent(as other: Order) -> Bool {
        orderID == other.orderID && product == other.product && quantity == other.quantity
            && price == other.price && (timestamp == nil || other.timestamp == nil || timestamp == other.timestamp)
    }

    /// The order as the seed's JSON object, keys in alphabetical order.
    var json: JSONValue {
        var fields: [(String, JSONValue)] = [
            ("order_id", .string(orderID)),
            ("price", .number(price)),
            ("product", .string(product)),
            ("quantity", .integer(quantity)),
        ]
        if let timestamp {
            fields.append(("timestamp", .number(timestamp)))
        }
        return .object(fields)
    }

    private static let fieldList = CodingKeys.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")

    /// An integer field. Decoded through `Double` because `JSONDecoder` reports a fraction where
    /// an `Int` belongs (`1.5`) as invalid JSON without naming the field.
    private static func decodeWholeNumber(_ key: CodingKeys, in container: KeyedDecodingContainer<CodingKeys>) throws
        -> Int
    {
        let value: Double
        do {
            value = try container.decode(Double.self, forKey: key)
        } catch DecodingError.typeMismatch(_, let context) {
            throw DecodingError.typeMismatch(Int.self, context)
        }
        try require(value == value.rounded() && abs(value) < 1e15, key, "must be a whole number", in: container)
        return Int(value)
    }

    private static func require(
        _ condition: Bool,
        _ key: CodingKeys,
        _ problem: String,
        in container: KeyedDecodingContainer<CodingKeys>
    ) throws {
        guard !condition else { return }
        throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: problem)
    }
}

extension Order {
    /// The order with the time it was published as its timestamp, when it has none (as one
    /// written by another Kafka client may not).
    func stamped(by context: HandlerContext) -> Order {
        var order = self
        if order.timestamp == nil {
            order.timestamp = (context.delivery.message.time ?? Date()).timeIntervalSince1970
        }
        return order
    }
}

/// A coding key for any name: lists the keys an object really has.
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }

    init(_ name: String) {
        self.stringValue = name
    }

    init?(stringValue: String) {
        self.stringValue = stringValue
    }

    init?(intValue: Int) {
        nil
    }
}
