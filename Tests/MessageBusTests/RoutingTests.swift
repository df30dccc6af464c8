import InMemoryTransport
import MessageBus
import Messaging
import Testing

@Suite("Routing")
struct RoutingTests {
    @Test func contentBasedRouterSendsEachMessageToItsRoute() async throws {
        let transport = InMemoryTransport()
        let bus = Bus(transport: transport, middleware: [DeadLetterChannel(topic: "dead")])
        let router = ContentBasedRouter(
            routes: [
                .init(to: "orders.large") { try $0.decode(OrderPlaced.self).price >= 1000 },
                .init(to: "orders.small") { try $0.decode(OrderPlaced.self).price < 1000 },
            ]
        )
        try bus.handle(from: "orders", group: "router", handler: router)
        try bus.handle(from: "unrouted", group: "router", name: "strict", handler: ContentBasedRouter(routes: []))
        try await running([transport, bus]) {
            try await bus.waitUntilRunning()
            let laptop = try Message(OrderPlaced(orderID: "1", product: "Laptop", quantity: 1, price: 1200))
            let mouse = try Message(OrderPlaced(orderID: "2", product: "Mouse", quantity: 1, price: 20))
            try await transport.publish([laptop, mouse], to: "orders")
            try await transport.publish(Message(id: "lost"), to: "unrouted")
            #expect(try await read(1, from: "orders.large", on: transport).map(\.id) == [laptop.id])
            #expect(try await read(1, from: "orders.small", on: transport).map(\.id) == [mouse.id])
            let letter = try #require(try await read(1, from: "dead", on: transport).first)
            #expect(letter.id == "lost")
            #expect(letter.headers[MessageHeader.DeadLetter.reason] == "noRoute")
        }
    }

    @Test func recipientListSendsToEveryRecipientOnce() async throws {
        let transport = InMemoryTransport()
        let bus = Bus(transport: transport)
        try bus.handle(
            from: "orders",
            group: "fan-out",
            handler: RecipientList(recipients: { message in
                message.type == "vip" ? ["inventory", "billing", "crm", "billing"] : ["inventory", "billing"]
            })
        )
        try await running([transport, bus]) {
            try await bus.waitUntilRunning()
            try await transport.publish([Message(id: "a", type: "vip"), Message(id: "b")], to: "orders")
            #expect(Set(try await read(2, from: "inventory", on: transport).map(\.id)) == ["a", "b"])
            #expect(Set(try await read(2, from: "billing", on: transport).map(\.id)) == ["a", "b"])
            #expect(try await read(1, from: "crm", on: transport).map(\.id) == ["a"])
        }
    }
}
