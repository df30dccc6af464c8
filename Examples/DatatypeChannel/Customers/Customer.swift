import DatatypeChannel
import ExampleSupport

/// The customer record of the course case (*cliente*): what the sender sends on the customer
/// channel and the receiver keeps by id.
///
/// Its datatype is `customer`, version 1, on the topic `datatype.customer.v1`. The schema makes
/// every field but `promocion` required, refuses fields it does not declare, and the age may not
/// be negative.
struct Customer: JSONDatatype, Equatable {
    static let typeName = "customer"
    static let schemaVersion = 1
    static let schema: JSONSchema = .object([
        .init("id_cliente", .string(minLength: 1)),
        .init("nombre", .string(minLength: 1)),
        .init("edad", .integer(minimum: 0)),
        .init("promocion", .string(), isRequired: false),
    ])

    var id: String
    var name: String
    var age: Int
    var promotion: String?

    /// Records of one customer stay in order.
    var partitionKey: String? { id }

    enum CodingKeys: String, CodingKey {
        case id = "id_cliente"
        case name = "nombre"
        case age = "edad"
        case promotion = "promocion"
    }

    /// The record as the seed's answers show it: keys in alphabetical order.
    var json: JSONValue {
        var fields: [(String, JSONValue)] = [
            ("edad", .integer(age)), ("id_cliente", .string(id)), ("nombre", .string(name)),
        ]
        if let promotion {
            fields.append(("promocion", .string(promotion)))
        }
        return .object(fields)
    }
}
