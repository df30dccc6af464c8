import DatatypeChannel
import Foundation
import MessageBusTesting

/// A customer record, as its first version.
struct Customer: JSONDatatype, Equatable {
    static let typeName = "customer"
    static let schemaVersion = 1
    static let schema: JSONSchema = .object([
        .init("id", .string(minLength: 1)),
        .init("name", .string(minLength: 1)),
        .init("age", .integer(minimum: 0)),
        .init("promotion", .string(), isRequired: false),
    ])

    var id: String
    var name: String
    var age: Int
    var promotion: String?

    var partitionKey: String? { id }

    func validate() throws(DatatypeError) {
        guard age <= 150 else { throw DatatypeError.invalid("age", "must be at most 150") }
    }

    static let seed = Customer(id: "10", name: "Ada", age: 1, promotion: "20% off")
}

/// The second version of the customer record: several promotions instead of one.
struct CustomerV2: JSONDatatype, Equatable {
    static let typeName = "customer"
    static let schemaVersion = 2
    static let schema: JSONSchema = .object([
        .init("id", .string(minLength: 1)),
        .init("name", .string(minLength: 1)),
        .init("age", .integer(minimum: 0)),
        .init("promotions", .array(of: .string())),
    ])

    var id: String
    var name: String
    var age: Int
    var promotions: [String]

    static let upgrade = DatatypeUpgrade(from: Customer.self) { v1 in
        CustomerV2(id: v1.id, name: v1.name, age: v1.age, promotions: v1.promotion.map { [$0] } ?? [])
    }
}

/// Files of the formats the binary channels carry, as their first bytes.
enum Files {
    static let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D])
    static let jpeg = Data([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46])
    static let mp4 = Data([0x00, 0x00, 0x00, 0x18]) + Data("ftypmp42".utf8)
    static let pdf = Data("%PDF-1.7\n%\u{e2}\u{e3}\n".utf8)
    static let notUTF8 = Data("Hola ".utf8) + Data([0xC3, 0x28]) + Data(" mundo".utf8)
}

extension BusHarness {
    /// How many messages `topic` has ever received: 0 for a topic never written.
    func endOffsets(of topic: String) -> Int64 {
        broker.snapshot(of: topic)?.partitions.map(\.endOffset).reduce(0, +) ?? 0
    }
}
