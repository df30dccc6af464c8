import ExampleSupport
import Hummingbird

/// The routes of a query server: the processed orders of the applications it serves, and the
/// data of each.
///
/// - `GET /processed_orders/{order_id}`: the order, once every served application processed it;
///   404 with a JSON error before that or for an unknown id.
/// - `GET /inventory`: stock per product, when it serves inventory.
/// - `GET /invoices/{order_id}`: the invoice, when it serves billing.
func queryRouter(inventory: Inventory?, billing: Billing?) -> Router<BasicRequestContext> {
    let applications: [any ProcessedOrders] = [inventory as (any ProcessedOrders)?, billing].compactMap { $0 }
    let router = Router()
    router.get("processed_orders/:order_id") { _, context in
        let orderID = try context.parameters.require("order_id")
        var found: Order?
        var missing: [String] = []
        for application in applications {
            if let order = try await application.processedOrder(orderID) {
                found = order
            } else {
                missing.append(application.applicationName)
            }
        }
        guard let found, missing.isEmpty else {
            let who = found == nil ? "" : " by \(missing.joined(separator: " and "))"
            throw APIError(.notFound, "order '\(orderID)' has not been processed\(who)", field: "order_id")
        }
        return Response.json(found.json)
    }
    if let inventory {
        router.get("inventory") { _, _ in
            Response.json(try await inventory.json())
        }
    }
    if let billing {
        router.get("invoices/:order_id") { _, context in
            let orderID = try context.parameters.require("order_id")
            guard let invoice = try await billing.invoice(for: orderID) else {
                throw APIError(.notFound, "no invoice for order '\(orderID)'", field: "order_id")
            }
            return Response.json(invoice.json)
        }
    }
    return router
}
