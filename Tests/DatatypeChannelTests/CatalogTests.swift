import DatatypeChannel
import Foundation
import MessageBus
import MessageBusTesting
import Messaging
import Testing

@Suite("Channel catalog")
struct CatalogTests {
    static let catalog = try! ChannelCatalog([
        TypedChannel(Customer.self), TypedChannel(Text.self), TypedChannel(Image.self),
        TypedChannel(Document.self, maximumBytes: 64),
    ])

    @Test func channelsAreNamedAndLabelledByTheirDatatype() throws {
        let channels = Self.catalog.channels
        #expect(channels.map(\.name) == ["customer", "text", "image", "document"])
        let customer = try Self.catalog.channel(named: "customer")
        #expect(customer.topic == "datatype.customer.v1")
        #expect(customer.invalidTopic == "datatype.customer.v1.invalid")
        #expect(customer.dataSchema == "urn:datatype:customer:v1")
        #expect(customer.contentTypes == ["application/json"])
        #expect(try Self.catalog.channel(named: "image").contentTypes == ["image/png", "image/jpeg"])
        #expect(try Self.catalog.channel(named: "document").maximumBytes == 64)
    }

    @Test func eachChannelGivesItsJSONSchema() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let customer = try encoder.encode(Self.catalog.channel(named: "customer"))
        let schema =
            try #require(
                try JSONSerialization.jsonObject(with: customer) as? [String: Any]
            )["schema"] as? [String: Any]
        #expect(schema?["$id"] as? String == "urn:datatype:customer:v1")
        #expect(schema?["$schema"] as? String == "https://json-schema.org/draft/2020-12/schema")
        #expect(schema?["type"] as? String == "object")
        #expect(schema?["required"] as? [String] == ["id", "name", "age"])
        #expect(schema?["additionalProperties"] as? Bool == false)
        let age = (schema?["properties"] as? [String: Any])?["age"] as? [String: Any]
        #expect(age?["type"] as? String == "integer")
        #expect(age?["minimum"] as? Int == 0)
        let image = try encoder.encode(Self.catalog.channel(named: "image"))
        #expect(String(decoding: image, as: UTF8.self).contains(#"{"contentMediaType":"image\/png"}"#))
    }

    @Test func aDuplicateNameFailsAtStartUp() {
        let error = #expect(throws: DatatypeError.self) {
            try ChannelCatalog([TypedChannel(Customer.self), TypedChannel(Text.self, name: "customer")])
        }
        #expect(error?.code == .duplicateChannel)
        #expect(error?.reason.contains("the name 'customer'") == true)
    }

    @Test func aDuplicateDatatypeFailsAtStartUp() {
        let error = #expect(throws: DatatypeError.self) {
            try ChannelCatalog([
                TypedChannel(Customer.self),
                TypedChannel(Customer.self, name: "clients", topic: "clients"),
            ])
        }
        #expect(error?.code == .duplicateChannel)
        #expect(error?.reason.contains("the datatype customer v1") == true)
    }

    @Test func aDuplicateTopicFailsAtStartUp() {
        let error = #expect(throws: DatatypeError.self) {
            try ChannelCatalog([TypedChannel(Text.self, topic: "shared"), TypedChannel(Image.self, topic: "shared")])
        }
        #expect(error?.code == .duplicateChannel)
    }

    @Test func twoVersionsOfOneDatatypeMayHaveTheirOwnChannels() throws {
        let catalog = try ChannelCatalog([
            TypedChannel(Customer.self), TypedChannel(CustomerV2.self, name: "customer-v2"),
        ])
        #expect(catalog.channels.map(\.topic) == ["datatype.customer.v1", "datatype.customer.v2"])
    }

    @Test func inputIsLookedUpByNameDecodedAndLabelled() throws {
        let body = Data(#"{"id": "10", "name": "Ada", "age": 1, "promotion": "20% off"}"#.utf8)
        let outgoing = try Self.catalog.message(
            forChannel: "customer",
            payload: body,
            contentType: "application/json; charset=utf-8"
        )
        #expect(outgoing.topic == "datatype.customer.v1")
        #expect(outgoing.message.type == "customer")
        #expect(outgoing.message.dataSchema == "urn:datatype:customer:v1")
        #expect(outgoing.message.dataContentType == "application/json")
        #expect(outgoing.message.key == "10")
        #expect(try outgoing.message.decode(Customer.self) == Customer.seed)
    }

    struct BadInput: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var channel = "customer"
        var body: Data
        var contentType: String? = "application/json"
        var code: DatatypeError.Code
        var field: String? = nil
        var expected: String? = nil
        var actual: String? = nil

        init(
            _ testDescription: String,
            channel: String = "customer",
            _ body: String,
            contentType: String? = "application/json",
            _ code: DatatypeError.Code,
            field: String? = nil
        ) {
            self.testDescription = testDescription
            self.channel = channel
            self.body = Data(body.utf8)
            self.contentType = contentType
            self.code = code
            self.field = field
        }
    }

    static let badInputs: [BadInput] = [
        BadInput("an unknown channel", channel: "videos", "{}", .unknownChannel),
        BadInput("JSON declared as text", #"{"id": "10"}"#, contentType: "text/plain", .typeMismatch),
        BadInput("text declared as JSON", channel: "text", "hola", contentType: "application/json", .typeMismatch),
        BadInput("a missing id", #"{"name": "Ada", "age": 1}"#, .undecodable, field: "id"),
        BadInput(
            "age as a string",
            #"{"id": "10", "name": "Ada", "age": "1"}"#,
            .undecodable,
            field: "age"
        ),
        BadInput("a negative age", #"{"id": "10", "name": "Ada", "age": -1}"#, .invalid, field: "age"),
        BadInput(
            "an age the type refuses",
            #"{"id": "10", "name": "Ada", "age": 151}"#,
            .invalid,
            field: "age"
        ),
        BadInput(
            "an unknown field",
            #"{"id": "10", "name": "Ada", "age": 1, "email": "x"}"#,
            .undecodable,
            field: "email"
        ),
        BadInput("a body that is not JSON", "id=10", .undecodable),
        BadInput("an empty body", "", .undecodable),
        BadInput(
            "an empty id",
            #"{"id": "", "name": "Ada", "age": 1}"#,
            .invalid,
            field: "id"
        ),
        BadInput(
            "an oversized document",
            channel: "document",
            "%PDF-" + String(repeating: "x", count: 64),
            contentType: nil,
            .tooLarge
        ),
    ]

    @Test(arguments: badInputs)
    func badInputIsRefusedWithATypedErrorAndNothingIsPublished(_ input: BadInput) async throws {
        let harness = BusHarness()
        try await harness.run {
            let error = await #expect(throws: DatatypeError.self) {
                try await harness.bus.send(
                    input.body,
                    contentType: input.contentType,
                    toChannel: input.channel,
                    in: Self.catalog
                )
            }
            #expect(error?.code == input.code)
            #expect(error?.channel == input.channel)
            #expect(error?.fieldPath == input.field)
        }
        #expect(harness.published.isEmpty)
        for channel in Self.catalog.channels {
            #expect(harness.endOffsets(of: channel.topic) == 0)
        }
    }

    @Test func anElementOfAnArrayIsNamedByItsIndex() {
        let body = Data(#"{"id": "10", "name": "Ada", "age": 1, "promotions": ["20% off", 3]}"#.utf8)
        let error = #expect(throws: DatatypeError.self) {
            try TypedChannel(CustomerV2.self).message(fromInput: body, contentType: "application/json")
        }
        #expect(error?.code == .undecodable)
        #expect(error?.fieldPath == "promotions[1]")
        #expect(error?.reason == "Field 'promotions[1]' is not a string.")
    }

    @Test func aTypeMismatchNamesWhatWasExpectedAndWhatArrived() {
        let error = #expect(throws: DatatypeError.self) {
            try Self.catalog.message(forChannel: "document", payload: Files.png, contentType: "application/pdf")
        }
        #expect(error?.code == .typeMismatch)
        #expect(error?.expected == "application/pdf")
        #expect(error?.actual == "image/png")
    }
}
