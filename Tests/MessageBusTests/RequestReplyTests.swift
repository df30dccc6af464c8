import InMemoryTransport
import MessageBus
import Messaging
import Testing

struct StockQuery: BusMessage {
    static let messageType = "inventory.stock.query"
    static let kind = BusMessageKind.command
    var product: String
}

struct StockLevel: BusMessage, Equatable {
    static let messageType = "inventory.stock.level"
    static let kind = BusMessageKind.document
    var product: String
    var available: Int
}

@Suite("Request-reply")
struct RequestReplyTests {
    @Test func aRequestGetsItsReply() async throws {
        let transport = InMemoryTransport()
        let inventory = Bus(transport: transport, name: "inventory")
        try inventory.handle(StockQuery.self, from: "inventory.queries", group: "inventory") { query, context in
            [try context.reply(StockLevel(product: query.product, available: 7))]
        }
        let requester = Requester(bus: Bus(transport: transport, name: "sales"), replyTopic: "sales.replies")
        try await running([transport, inventory, requester]) {
            try await inventory.waitUntilRunning()
            async let laptop = requester.request(
                StockQuery(product: "Laptop"),
                to: "inventory.queries",
                replyType: StockLevel.self,
                timeout: .seconds(20)
            )
            async let mouse = requester.request(
                StockQuery(product: "Mouse"),
                to: "inventory.queries",
                replyType: StockLevel.self,
                timeout: .seconds(20)
            )
            #expect(try await laptop == StockLevel(product: "Laptop", available: 7))
            #expect(try await mouse == StockLevel(product: "Mouse", available: 7))
        }
    }

    @Test func aRequestNobodyAnswersTimesOut() async throws {
        let transport = InMemoryTransport()
        let requester = Requester(bus: Bus(transport: transport), replyTopic: "replies")
        try await running([transport, requester]) {
            await #expect {
                try await requester.request(Message(id: "q"), to: "nobody.listens", timeout: .milliseconds(200))
            } throws: { error in
                let error = error as? MessageBusError
                return error?.code == .requestTimedOut && error?.messageID == "q"
                    && error!.reason.contains("nobody.listens")
            }
        }
    }

    @Test func replyingToAMessageWithoutReturnAddressIsAnError() async throws {
        let transport = InMemoryTransport()
        let bus = Bus(transport: transport, middleware: [DeadLetterChannel(topic: "dead")])
        try bus.handle(from: "queries", group: "g") { message, context in
            [try context.reply(Message())]
        }
        try await running([transport, bus]) {
            try await bus.waitUntilRunning()
            try await transport.publish(Message(id: "q"), to: "queries")
            let letter = try #require(try await read(1, from: "dead", on: transport).first)
            #expect(letter.headers[MessageHeader.DeadLetter.reason] == "noReturnAddress")
        }
    }
}
