import Messaging

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A message as an outbox stores it: every attribute, encoded as JSON.
package struct StoredMessage: Codable {
    var id: String
    var source: String
    var type: String
    var time: Date?
    var subject: String?
    var dataContentType: String?
    var dataSchema: String?
    var extensions: [String: String]
    var key: String?
    var headers: [String: String]
    var payload: Data

    /// The JSON of `message`.
    package static func encode(_ message: Message) throws -> Data {
        try JSONEncoder().encode(
            StoredMessage(
                id: message.id,
                source: message.source,
                type: message.type,
                time: message.time,
                subject: message.subject,
                dataContentType: message.dataContentType,
                dataSchema: message.dataSchema,
                extensions: message.extensions,
                key: message.key,
                headers: message.headers,
                payload: message.payload
            )
        )
    }

    /// The message whose JSON is `data`.
    package static func decode(_ data: Data) throws -> Message {
        let stored = try JSONDecoder().decode(StoredMessage.self, from: data)
        return Message(
            id: stored.id,
            source: stored.source,
            type: stored.type,
            time: stored.time,
            subject: stored.subject,
            dataContentType: stored.dataContentType,
            dataSchema: stored.dataSchema,
            extensions: stored.extensions,
            key: stored.key,
            headers: stored.headers,
            payload: stored.payload
        )
    }
}
