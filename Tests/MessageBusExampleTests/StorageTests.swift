import ExampleSupport
import ExampleTesting
import Foundation
import Testing

@testable import MessageBusExample

@Suite("Course case 000: each application's database under --data-dir")
struct StorageTests {
    @Test("Started again on the same --data-dir, the applications still answer for what they processed")
    func restartKeepsProcessedOrders() async throws {
        let data = try DataDirectory(nil)
        let first = try buildApplication(testConfiguration(data: data), logger: quietLogger)
        try await running([first]) {
            #expect(try await call(.POST, try await first.salesPort(), "/produce", body: seedOrder).status == 200)
            let processed = try await whenProcessed(try await first.queryPort(), "/processed_orders/123458")
            #expect(processed.body == seedProcessedOrder + "\n")
        }
        for application in ["sales", "inventory", "billing"] {
            #expect(FileManager.default.fileExists(atPath: data.databasePath(for: application)))
        }

        let again = try buildApplication(testConfiguration(data: data), logger: quietLogger)
        try await running([again]) {
            let query = try await again.queryPort()
            let processed = try await call(.GET, query, "/processed_orders/123458")
            #expect(processed.status == 200)
            #expect(processed.body == seedProcessedOrder + "\n")
            #expect(try await call(.GET, query, "/invoices/123458").json["total"] as? Double == 1200.0)
            let laptop = try await call(.GET, query, "/inventory").json["Laptop"] as? [String: Int]
            #expect(laptop == ["in_stock": 9, "sold": 1, "backordered": 0])

            let conflicting = #"{"order_id": "123458", "product": "Laptop", "quantity": 2, "price": 1200.0}"#
            #expect(try await call(.POST, try await again.salesPort(), "/produce", body: conflicting).status == 409)
        }
    }

    @Test("Without --data-dir each process gets a fresh directory of its own")
    func freshDataDirectory() async throws {
        let first = try buildApplication(testConfiguration(), logger: quietLogger)
        let second = try buildApplication(testConfiguration(), logger: quietLogger)
        #expect(first.data != second.data)
        try await running([second]) {
            let answer = try await call(.GET, try await second.queryPort(), "/processed_orders/123458")
            #expect(answer.status == 404)
        }
    }
}
