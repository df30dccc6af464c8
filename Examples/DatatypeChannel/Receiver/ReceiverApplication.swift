import DatatypeChannel
import ExampleSupport
import Hummingbird
import MessageBus

/// The receiver (*consumidor*): reads every channel, knowing from each what it receives, keeps
/// customer records in its own database, and hears of anything that was not of its channel's
/// type.
///
/// - `GET /get_message/{id_cliente}`: the customer's latest record, or 404.
/// - `GET /consume_message`: the oldest record not read yet, then marked read; 404 with
///   `"status": "empty"` when every record was read.
/// - `GET /received_files`: how many texts, images, videos and documents arrived, per channel.
/// - `GET /alerts`: every invalid-message alert, oldest first.
struct ReceiverApplication: Sendable {
    /// The receiver's consumer group.
    static let group = "receiver"

    let store: ReceiverStore

    /// Registers the receiver's consumers on `bus`, keeping what they receive in `store`.
    init(bus: Bus, store: ReceiverStore) throws {
        self.store = store
        try bus.consume(Channels.customers, group: Self.group, name: "customers") { customer, context in
            try await store.receive(customer, messageID: context.delivery.message.id)
        }
        try bus.consume(Channels.texts, group: Self.group, name: "texts") { text, context in
            try await store.receiveFile(
                channel: Channels.texts.name,
                contentType: text.contentType,
                bytes: text.text.utf8.count,
                messageID: context.delivery.message.id
            )
        }
        try Self.consumeFiles(on: Channels.images, bus: bus, store: store)
        try Self.consumeFiles(on: Channels.videos, bus: bus, store: store)
        try Self.consumeFiles(on: Channels.documents, bus: bus, store: store)
    }

    /// Registers a consumer that records each file of `channel` in `store`.
    private static func consumeFiles<File: BinaryDatatype>(
        on channel: TypedChannel<File>,
        bus: Bus,
        store: ReceiverStore
    ) throws {
        try bus.consume(channel, group: group, name: channel.name) { file, context in
            try await store.receiveFile(
                channel: channel.name,
                contentType: file.contentType,
                bytes: file.data.count,
                messageID: context.delivery.message.id
            )
        }
    }

    /// Adds the receiver's routes to `router`.
    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("get_message/:id_cliente") { [store] _, context in
            let id = try context.parameters.require("id_cliente")
            guard let customer = try await store.customer(id) else {
                throw APIError(.notFound, "no record of customer '\(id)' has been received", field: "id_cliente")
            }
            return Response.json(.object([("message", customer.json), ("status", .string("success"))]))
        }
        router.get("consume_message") { [store] _, _ in
            guard let customer = try await store.nextUnread() else {
                return Response.json(
                    .object([("message", .string("no unread customer records")), ("status", .string("empty"))]),
                    status: .notFound
                )
            }
            return Response.json(.object([("message", customer.json), ("status", .string("success"))]))
        }
        router.get("received_files") { [store] _, _ in
            let counts = try await store.fileCounts().map { ($0.channel, JSONValue.integer($0.count)) }
            return Response.json(.object([("files", .object(counts)), ("status", .string("success"))]))
        }
        router.get("alerts") { [store] _, _ in
            let alerts = try await store.alerts().map { alert in
                JSONValue.object([
                    ("message_id", alert.messageID.map(JSONValue.string) ?? .null),
                    ("reason", alert.reason.map(JSONValue.string) ?? .null),
                    ("summary", .string(alert.summary)),
                    ("time", .string(alert.time)),
                    ("topic", alert.topic.map(JSONValue.string) ?? .null),
                ])
            }
            return Response.json(.object([("alerts", .array(alerts)), ("status", .string("success"))]))
        }
    }
}
