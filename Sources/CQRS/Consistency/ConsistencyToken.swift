#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The events a command recorded, named by topic and message id: what a reader hands a
/// projection to wait until its own writes are visible.
///
/// A token travels as opaque text (``description``, parsed back by ``init(parsing:)``), for
/// instance in an `X-Consistency-Token` HTTP header.
public struct ConsistencyToken: Sendable, Hashable, Codable, CustomStringConvertible {
    /// One recorded event.
    public struct Event: Sendable, Hashable, Codable {
        /// The topic the event is published to.
        public var topic: String
        /// The event's message id, which stays the same when it is published again.
        public var messageID: String

        /// Creates an event reference.
        public init(topic: String, messageID: String) {
            self.topic = topic
            self.messageID = messageID
        }
    }

    /// The events, in the order the command recorded them.
    public var events: [Event]

    /// Creates a token for `events`.
    public init(events: [Event]) {
        self.events = events
    }

    /// Parses a token from its ``description``.
    ///
    /// - Throws: ``CQRSError/Code/invalidToken`` when `text` is not a token's text.
    public init(parsing text: String) throws(CQRSError) {
        var base64 = String(text.map { $0 == "-" ? "+" : $0 == "_" ? "/" : $0 })
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64),
            let token = try? JSONDecoder().decode(ConsistencyToken.self, from: data)
        else {
            throw CQRSError(.invalidToken, "'\(text)' is not a consistency token.")
        }
        self = token
    }

    /// The message ids of the events published to `topic`.
    public func messageIDs(on topic: String) -> [String] {
        events.filter { $0.topic == topic }.map(\.messageID)
    }

    /// The token as URL-safe text without padding; the same token always reads the same.
    public var description: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = (try? encoder.encode(self)) ?? Data()
        return String(
            data.base64EncodedString().compactMap { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 == "=" ? nil : $0 }
        )
    }
}
