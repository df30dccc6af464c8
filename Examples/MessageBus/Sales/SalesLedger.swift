import GRDB

/// The orders the sales application has sent, in its own database, so that an order id is never
/// sent twice with different content, even across restarts.
actor SalesLedger {
    /// What sending an order may do.
    enum Claim: Equatable {
        /// The id is new: send the order.
        case send
        /// The same order was sent before, as this.
        case alreadySent(Order)
        /// The id was sent before with different content, as this.
        case conflict(Order)
        /// The id is being sent by another request right now.
        case inProgress
    }

    /// The ledger's table: `sent_orders`.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("sent orders") { db in
            try Order.createTable("sent_orders", in: db)
        }
        return migrator
    }

    private let database: any DatabaseWriter
    private var sending: Set<String> = []

    /// Uses `database`, migrated with ``migrator``.
    init(database: any DatabaseWriter) {
        self.database = database
    }

    /// Decides what to do with `order`; a ``Claim/send`` reserves its id until ``record(_:)`` or
    /// ``release(_:)``.
    func claim(_ order: Order) async throws -> Claim {
        // Reserved before the read, so that a request for the same id arriving meanwhile is told so.
        guard sending.insert(order.orderID).inserted else { return .inProgress }
        let previous: Order?
        do {
            previous = try await database.read { db in try Order.fetch(order.orderID, from: "sent_orders", in: db) }
        } catch {
            sending.remove(order.orderID)
            throw error
        }
        guard let previous else { return .send }
        sending.remove(order.orderID)
        return previous.hasSameContent(as: order) ? .alreadySent(previous) : .conflict(previous)
    }

    /// Remembers that `order` was sent.
    func record(_ order: Order) async throws {
        defer { sending.remove(order.orderID) }
        try await database.write { db in try order.insert(into: "sent_orders", in: db) }
    }

    /// Frees the id of an order that could not be sent.
    func release(_ order: Order) {
        sending.remove(order.orderID)
    }
}
