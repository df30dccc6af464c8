import DatatypeChannel
import Foundation
import MessageBus
import MessageBusTesting
import Messaging
import Testing

@Suite("Sending on a datatype channel")
struct SendingTests {
    @Test func aTypedValueIsSentLabelledWithItsDatatype() async throws {
        let harness = BusHarness()
        let customers = TypedChannel(Customer.self)
        _ = try await harness.run {
            try await harness.bus.send(Customer.seed, on: customers)
        }
        let sent = try #require(harness.published(to: "datatype.customer.v1").first)
        #expect(sent.type == "customer")
        #expect(sent.dataSchema == "urn:datatype:customer:v1")
        #expect(sent.dataContentType == "application/json")
        #expect(sent.key == "10")
        #expect(
            String(decoding: sent.payload, as: UTF8.self)
                == #"{"age":1,"id":"10","name":"Ada","promotion":"20% off"}"#
        )
    }

    @Test func aValueThatBreaksItsRulesIsNotSent() async throws {
        let harness = BusHarness()
        try await harness.run {
            let error = await #expect(throws: DatatypeError.self) {
                try await harness.bus.send(
                    Customer(id: "10", name: "Ada", age: 200),
                    on: TypedChannel(Customer.self)
                )
            }
            #expect(error?.code == .invalid)
            #expect(error?.fieldPath == "age")
        }
        #expect(harness.published.isEmpty)
    }

    @Test func aValueOutsideItsSchemaIsNotSent() async throws {
        let harness = BusHarness()
        try await harness.run {
            let error = await #expect(throws: DatatypeError.self) {
                try await harness.bus.send(Customer(id: "10", name: "Ada", age: -1), on: TypedChannel(Customer.self))
            }
            #expect(error?.code == .invalid)
            #expect(error?.fieldPath == "age")
            #expect(error?.channel == "customer")
        }
        #expect(harness.published.isEmpty)
    }

    @Test func imagesAreRecognisedByTheirLeadingBytes() throws {
        #expect(try Image(Files.png).contentType == "image/png")
        #expect(try Image(Files.jpeg).contentType == "image/jpeg")
        #expect(try Video(Files.mp4).contentType == "video/mp4")
        #expect(try Document(Files.pdf).contentType == "application/pdf")
        let message = try TypedChannel(Image.self).message(Image(Files.jpeg))
        #expect(message.dataContentType == "image/jpeg")
        #expect(message.payload == Files.jpeg)
    }

    @Test func aPNGIsNotADocument() {
        let error = #expect(throws: DatatypeError.self) { try Document(Files.png) }
        #expect(error?.code == .typeMismatch)
        #expect(error?.expected == "application/pdf")
        #expect(error?.actual == "image/png")
    }

    @Test func bytesOfNoKnownFormatAreNotAnImage() {
        let error = #expect(throws: DatatypeError.self) { try Image(Data("hola".utf8)) }
        #expect(error?.code == .typeMismatch)
        #expect(error?.actual == "unrecognised bytes")
    }

    @Test func textMustBeUTF8() throws {
        #expect(try Text(payload: Data("¡Hola, Ada!".utf8)).text == "¡Hola, Ada!")
        let error = #expect(throws: DatatypeError.self) { try Text(payload: Files.notUTF8) }
        #expect(error?.code == .undecodable)
        #expect(error?.reason.contains("byte 5") == true)
    }

    @Test func aFileOverTheChannelsLimitIsNotSent() async throws {
        let harness = BusHarness()
        let images = TypedChannel(Image.self, maximumBytes: 16)
        let large = try Image(Files.png + Data(count: 16))
        try await harness.run {
            let error = await #expect(throws: DatatypeError.self) {
                try await harness.bus.send(large, on: images)
            }
            #expect(error?.code == .tooLarge)
            #expect(error?.channel == "image")
            try await harness.bus.send(try Image(Files.png), on: images)
        }
        #expect(harness.published(to: images.topic).map(\.payload) == [Files.png])
    }

    @Test func aHandlerReturnsValuesForAChannel() async throws {
        let harness = BusHarness()
        let texts = TypedChannel(Text.self)
        try harness.bus.handle(from: "greetings", group: "greeter") { message, _ in
            [try OutgoingMessage(Text("Hola, \(String(decoding: message.payload, as: UTF8.self))"), on: texts)]
        }
        try await harness.run {
            try await harness.bus.publish(Message(payload: Data("Ada".utf8)), to: "greetings")
            try await harness.waitUntilHandled("greetings", group: "greeter")
        }
        let sent = try #require(harness.published(to: texts.topic).first)
        #expect(try texts.value(of: sent) == Text("Hola, Ada"))
        #expect(sent.dataContentType == "text/plain")
    }
}
