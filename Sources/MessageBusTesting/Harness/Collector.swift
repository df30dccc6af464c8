import Synchronization

/// Values that handlers running concurrently hand to a test, kept in the order they arrived.
///
/// ```swift
/// let received = Collector<OrderPlaced>()
/// try harness.bus.consume(OrderPlaced.self, from: "orders", group: "billing") { order, _ in
///     received.append(order)
/// }
/// // … publish, then wait until handled …
/// #expect(received.all.map(\.orderID) == ["123458"])
/// ```
public final class Collector<Value: Sendable>: Sendable {
    private let values = Mutex<[Value]>([])

    /// Creates an empty collector.
    public init() {}

    /// Adds `value` after the values added before it.
    public func append(_ value: Value) {
        values.withLock { $0.append(value) }
    }

    /// Every value, in the order added.
    public var all: [Value] {
        values.withLock { $0 }
    }

    /// How many values were added.
    public var count: Int {
        values.withLock { $0.count }
    }
}
