import ExampleSupport
import Foundation
import GRDB
import Hummingbird
import MessageBus
import Synchronization

/// The suppliers (*proveedores*): each receives every purchase order as its own consumer group
/// (`supplier-acme`, `supplier-globex`), takes those addressed to it, schedules their shipping
/// `leadDays` days after it received them, and confirms them on ``Topics/confirmations``.
///
/// A supplier whose system is down — `PUT /suppliers/{name}/outage`, until
/// `DELETE /suppliers/{name}/outage` — fails its orders, which its group receives again until it
/// is back; as each supplier is its own group, the other suppliers and the inventory go on
/// meanwhile. `GET /shipments` lists the shipments scheduled.
struct SupplierApplication: Sendable {
    /// The suppliers, with the days each takes to ship.
    static let suppliers = [("acme", 2), ("globex", 5)]

    /// The suppliers' table, `shipment`.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("shipments") { db in
            try db.execute(
                sql: """
                    CREATE TABLE shipment (order_id INTEGER PRIMARY KEY NOT NULL, supplier TEXT NOT NULL,
                        product TEXT NOT NULL, quantity INTEGER NOT NULL, ships_on TEXT NOT NULL)
                    """
            )
        }
        return migrator
    }

    /// The error of a supplier whose system is down.
    struct Outage: Error, CustomStringConvertible {
        var supplier: String
        var description: String { "supplier \(supplier) is down" }
    }

    let database: any DatabaseWriter
    /// The suppliers that are down.
    let outages: Outages

    /// Registers one handler per supplier on `bus`.
    init(bus: Bus, database: any DatabaseWriter, now: @escaping @Sendable () -> Date = Date.init) throws {
        self.database = database
        let outages = Outages()
        self.outages = outages
        for (supplier, leadDays) in Self.suppliers {
            try bus.handle(
                PurchaseOrder.self,
                from: Topics.purchaseOrders,
                group: "supplier-\(supplier)",
                // A supplier down receives its orders again until it is back.
                options: Bus.HandlerOptions(maximumDeliveries: nil)
            ) { [database] order, context in
                guard order.supplier == supplier else { return [] }
                guard !outages.isDown(supplier) else { throw Outage(supplier: supplier) }
                let confirmation = try await Self.schedule(
                    order,
                    by: supplier,
                    leadDays: leadDays,
                    now: now(),
                    in: database
                )
                context.logger.info("supplier \(supplier): order \(order.id) \(confirmation.detail)")
                return [try confirmation.outgoing()]
            }
        }
    }

    /// Schedules the order's shipping, once per order, and returns the confirmation.
    static func schedule(
        _ order: PurchaseOrder,
        by supplier: String,
        leadDays: Int,
        now: Date,
        in database: any DatabaseWriter
    ) async throws -> Confirmation {
        let date = now.addingTimeInterval(Double(leadDays) * 86_400)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        let shipsOn = formatter.string(from: date)
        let scheduled = try await database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO shipment (order_id, supplier, product, quantity, ships_on) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT(order_id) DO NOTHING
                    """,
                arguments: [order.id, supplier, order.product, order.quantity, shipsOn]
            )
            return try String.fetchOne(
                db,
                sql: "SELECT ships_on FROM shipment WHERE order_id = ?",
                arguments: [order.id]
            )
                ?? shipsOn
        }
        return Confirmation(
            orderID: order.id,
            system: "supplier",
            status: "confirmed",
            detail: "\(supplier) ships \(order.quantity) × \(order.product) on \(scheduled)"
        )
    }

    /// Adds the outage and shipment routes to `router`.
    func addRoutes(to router: Router<BasicRequestContext>) {
        router.put("suppliers/:name/outage") { [outages] _, context in
            let name = try Self.supplier(context)
            outages.set(name, down: true)
            return Response.json(.object([("supplier", .string(name)), ("down", .bool(true))]))
        }
        router.delete("suppliers/:name/outage") { [outages] _, context in
            let name = try Self.supplier(context)
            outages.set(name, down: false)
            return Response.json(.object([("supplier", .string(name)), ("down", .bool(false))]))
        }
        router.get("shipments") { [database] _, _ in
            let shipments = try await database.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM shipment ORDER BY order_id").map { row -> JSONValue in
                    .object([
                        ("order_id", .integer(row["order_id"])),
                        ("supplier", .string(row["supplier"])),
                        ("product", .string(row["product"])),
                        ("quantity", .integer(row["quantity"])),
                        ("ships_on", .string(row["ships_on"])),
                    ])
                }
            }
            return Response.json(.object([("shipments", .array(shipments))]))
        }
    }

    private static func supplier(_ context: BasicRequestContext) throws -> String {
        let name = try context.parameters.require("name")
        guard suppliers.contains(where: { $0.0 == name }) else {
            throw APIError(.notFound, "there is no supplier '\(name)'", field: "name")
        }
        return name
    }
}

/// Which suppliers are down.
final class Outages: Sendable {
    private let down = Mutex<Set<String>>([])

    /// Marks `supplier` down or back.
    func set(_ supplier: String, down isDown: Bool) {
        down.withLock { down in
            if isDown {
                down.insert(supplier)
            } else {
                down.remove(supplier)
            }
        }
    }

    /// Whether `supplier` is down.
    func isDown(_ supplier: String) -> Bool {
        down.withLock { $0.contains(supplier) }
    }
}
