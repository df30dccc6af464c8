import DatatypeChannel
import Foundation
import InMemoryTransport
import MessageBus

/// A customer record with the seed's JSON names, as the datatype channel's pages take it as given.
struct GivenCustomer: JSONDatatype {
    static let typeName = "customer"
    static let schemaVersion = 1
    static let schema: JSONSchema = .object([.init("id_cliente", .string(minLength: 1))])
    var id_cliente: String
    var partitionKey: String? { id_cliente }
}

/// Where a page's receiver keeps its customers.
struct GivenCustomerStore: Sendable {
    /// Saves `customer`.
    func save<Customer: Datatype>(_ customer: Customer) async throws {}
    /// Stores `customer`, received in message `messageID`.
    func receive<Customer: Datatype>(_ customer: Customer, messageID: String) async throws {}
}

/// The values the datatype channel's pages take as given: a bus and where customers are kept.
protocol DatatypePage {}

extension DatatypePage {
    /// The application's bus.
    var bus: Bus { Bus(transport: InMemoryTransport(), name: "crm") }
    /// The receiver's database.
    var database: GivenCustomerStore { GivenCustomerStore() }
    /// The receiver's store.
    var store: GivenCustomerStore { GivenCustomerStore() }
    /// The body of an HTTP request.
    var body: Data { Data(#"{"id_cliente": "10"}"#.utf8) }
    /// The content type of that request.
    var contentType: String { "application/json" }
}

extension DatatypeChannelSamples: DatatypePage {
    typealias Customer = GivenCustomer
    /// The customer sent.
    var customer: Customer { Customer(id_cliente: "10") }
}
extension DatatypeChannelCheckingInputWithACatalogSamples: DatatypePage {
    typealias Customer = GivenCustomer
}
extension DatatypeChannelSendingAndReceivingTypedDataSamples: DatatypePage {
    /// The customer sent.
    var customer: Customer { Customer(id_cliente: "10", nombre: "Grupo 3", edad: 1, promocion: nil) }
    /// The customers' channel.
    var customers: TypedChannel<Customer> { TypedChannel(Customer.self) }
}
extension DatatypeChannelEvolvingADatatypeSamples {
    /// The first version of the customer record.
    struct Customer: JSONDatatype {
        static let typeName = "customer"
        static let schemaVersion = 1
        static let schema: JSONSchema = .object([.init("id", .string(minLength: 1))])
        var id: String
        var name: String
        var age: Int
        var promotion: String?
        var partitionKey: String? { id }
    }

    /// The second version: several promotions.
    struct CustomerV2: JSONDatatype {
        static let typeName = "customer"
        static let schemaVersion = 2
        static let schema: JSONSchema = .object([.init("id", .string(minLength: 1))])
        var id: String
        var name: String
        var age: Int
        var promotions: [String]
        var partitionKey: String? { id }
    }
}
extension CourseCase001DatatypeChannelSamples: DatatypePage {}
