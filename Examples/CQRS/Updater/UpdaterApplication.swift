import CQRS
import ExampleSupport
import Foundation
import GRDB
import Hummingbird
import MessageBus

/// The seed's `updater.py`: it changes the stock of the product whose id the orders service
/// publishes for each processed order, in its own SQLite database.
///
/// - `POST /ordenes` with `{"id_orden": "o-1", "id_producto": 1, "cantidad": 2}`: stands in for
///   the orders service's `process_order` — checks the order and publishes its product on
///   `ordenes.productos`; 202.
/// - `GET /productos/{id}`: the product and its stock, or 404.
///
/// Each product-ordered event is applied once — its message id is recorded in the same
/// transaction as the change of stock — and never takes the stock below 0: an order for more
/// than the stock leaves it unchanged and is logged.
struct UpdaterApplication: Sendable {
    /// The updater's consumer group.
    static let group = "updater"

    /// The products the updater starts with.
    static let initialProducts: [(id: Int, nombre: String, stock: Int)] = [
        (1, "Cerradura inteligente", 10), (2, "Sensor de apertura", 25), (3, "Caja fuerte", 4),
    ]

    /// The updater's tables: `producto` and the ids of the events it applied.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("updater") { db in
            try db.execute(
                sql: """
                    CREATE TABLE producto (id INTEGER PRIMARY KEY, nombre TEXT NOT NULL, stock INTEGER NOT NULL);
                    CREATE TABLE applied_event (message_id TEXT PRIMARY KEY);
                    """
            )
            for product in initialProducts {
                try db.execute(
                    sql: "INSERT INTO producto (id, nombre, stock) VALUES (?, ?, ?)",
                    arguments: [product.id, product.nombre, product.stock]
                )
            }
        }
        return migrator
    }

    let database: any DatabaseWriter
    let bus: Bus

    /// Registers the updater's event handler on `bus`.
    init(bus: Bus, database: any DatabaseWriter) throws(CQRSError) {
        self.bus = bus
        self.database = database
        let processor = EventProcessor(topic: orderedProductsTopic, group: Self.group)
        try processor.on(ProductOrdered.self, name: "stock") { event, context in
            let applied = try await Self.take(event, messageID: context.delivery.message.id, from: database)
            if !applied {
                context.logger.warning(
                    "Order \(event.idOrden) asks for more of product \(event.idProducto) than the stock; stock unchanged"
                )
            }
        }
        try processor.register(on: bus)
    }

    /// Takes the event's quantity from its product's stock, once per message id; `false` when the
    /// product is unknown or its stock is too low.
    private static func take(_ event: ProductOrdered, messageID: String, from database: any DatabaseWriter)
        async throws -> Bool
    {
        try await database.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO applied_event (message_id) VALUES (?)", arguments: [messageID])
            guard db.changesCount > 0 else { return true }
            try db.execute(
                sql: "UPDATE producto SET stock = stock - ? WHERE id = ? AND stock >= ?",
                arguments: [event.cantidad, event.idProducto, event.cantidad]
            )
            return db.changesCount > 0
        }
    }

    /// The stock of product `id`, if there is one.
    func stock(of id: Int) async throws -> (nombre: String, stock: Int)? {
        try await database.read { db in
            try Row.fetchOne(db, sql: "SELECT nombre, stock FROM producto WHERE id = ?", arguments: [id]).map {
                ($0["nombre"], $0["stock"])
            }
        }
    }

    /// Adds the updater's routes to `router`.
    func addRoutes(to router: Router<BasicRequestContext>) {
        router.post("ordenes") { request, _ in
            let body = try await request.body.collect(upTo: 64 * 1024)
            let order: ProductOrdered
            do {
                order = try JSONDecoder().decode(ProductOrdered.self, from: Data(buffer: body))
            } catch let error as DecodingError {
                throw APIError.invalidBody(error)
            }
            guard order.cantidad > 0 else {
                throw APIError(.badRequest, "field 'cantidad' must be 1 or more", field: "cantidad")
            }
            guard try await stock(of: order.idProducto) != nil else {
                throw APIError(.badRequest, "there is no product \(order.idProducto)", field: "id_producto")
            }
            do {
                _ = try await bus.publish(order, to: orderedProductsTopic)
            } catch {
                throw APIError(.serviceUnavailable, "the order's product was not published: \(error)")
            }
            return Response.json(
                .object([
                    ("id_orden", .string(order.idOrden)), ("id_producto", .integer(order.idProducto)),
                    ("estado", .string("procesada")),
                ]),
                status: .accepted
            )
        }
        router.get("productos/:id") { _, context in
            let text = try context.parameters.require("id")
            guard let id = Int(text), let product = try await stock(of: id) else {
                throw APIError(.notFound, "there is no product '\(text)'", field: "id")
            }
            return Response.json(
                .object([("id", .integer(id)), ("nombre", .string(product.nombre)), ("stock", .integer(product.stock))])
            )
        }
    }
}
