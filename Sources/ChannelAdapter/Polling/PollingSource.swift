import MessageBus
import Messaging

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A system a ``PollingAdapter`` reads items from, a page at a time, after a cursor.
///
/// The contract:
/// - ``poll(after:)`` returns the items that follow `cursor` in the source's order, oldest
///   first, and the cursor that follows the last of them. `nil` asks for the first page.
/// - Polling again after the same cursor returns the same items again, or more: a cursor is a
///   position, not a receipt. That is what lets an adapter that failed before committing its
///   cursor read the page again instead of skipping it.
/// - Each item has an ``PolledItem/identity`` that stays the same every time it is polled.
/// - A page with items returns the cursor past them in ``PolledPage/nextCursor``. A page with
///   none returns `nil`, the cursor it was given, or a cursor past items the source skipped.
///
/// ```swift
/// struct Orders: PollingSource {
///     let erp: ERPClient
///     func poll(after cursor: String?) async throws -> PolledPage<PurchaseOrder> {
///         let orders = try await erp.orders(after: cursor)
///         return PolledPage(orders, nextCursor: orders.last?.id)
///     }
/// }
/// ```
public protocol PollingSource<Item>: Sendable {
    /// The kind of item the source returns.
    associatedtype Item: PolledItem

    /// The items after `cursor`, oldest first, and the cursor past them.
    ///
    /// - Parameter cursor: The position after which to read; `nil` for the beginning.
    /// - Throws: Whatever keeps the source from answering. A `ClassifiedError` says whether
    ///   trying again may help; the adapter wraps it in a ``ChannelAdapterError/Code/sourceFailed``.
    func poll(after cursor: String?) async throws -> PolledPage<Item>
}

/// An item a ``PollingSource`` returns: something with a stable identity that travels as a
/// message.
///
/// A `BusMessage` that is `Identifiable` by a string gets both requirements for free:
///
/// ```swift
/// struct PurchaseOrder: BusMessage, Identifiable, PolledItem {
///     static let messageType = "erp.purchase-order"
///     var id: String
///     var product: String
/// }
/// ```
public protocol PolledItem: Sendable {
    /// What identifies the item in its source, the same at every poll: an order number, a row
    /// id. The adapter derives the id of the item's message from it.
    var identity: String { get }

    /// The message carrying the item. The adapter replaces its id with one derived from
    /// ``identity``.
    ///
    /// - Throws: When the item cannot be encoded; the adapter reports a
    ///   ``ChannelAdapterError/Code/invalidItem`` and publishes nothing of the page.
    func message() throws -> Message
}

extension PolledItem where Self: Identifiable, ID == String {
    /// The item's `id`.
    public var identity: String { id }
}

extension PolledItem where Self: BusMessage {
    /// The item as a message of its `messageType`, in JSON.
    public func message() throws -> Message {
        try Message(self)
    }
}

/// What one poll of a ``PollingSource`` returned.
public struct PolledPage<Item: PolledItem>: Sendable {
    /// The items after the cursor, oldest first.
    public var items: [Item]
    /// The cursor after the last item; `nil` when the page moves the cursor nowhere.
    public var nextCursor: String?
    /// When the newest item of the source was created or changed, if the source says: what the
    /// adapter's `channel_adapter_newest_item_age_seconds` gauge measures from.
    public var newestItemTime: Date?

    /// Creates a page.
    ///
    /// - Parameters:
    ///   - items: The items after the cursor, oldest first.
    ///   - nextCursor: The cursor after the last item; required when there are items.
    ///   - newestItemTime: When the newest item was created or changed. Default: `nil`.
    public init(_ items: [Item], nextCursor: String?, newestItemTime: Date? = nil) {
        self.items = items
        self.nextCursor = nextCursor
        self.newestItemTime = newestItemTime
    }
}
