/// The rules for topic names, shared by every transport.
///
/// A topic name is 1 to 249 characters of ASCII letters, digits, `.`, `_` and `-`, and is neither
/// `.` nor `..` — the rules Kafka applies, so a name valid here is valid on every transport.
public enum TopicName {
    /// The longest topic name allowed.
    public static let maximumLength = 249

    /// Checks `name` against the topic name rules.
    ///
    /// - Throws: ``MessagingError`` with code ``MessagingError/Code/invalidTopic`` naming the rule
    ///   `name` breaks.
    public static func validate(_ name: String) throws(MessagingError) {
        if name.isEmpty {
            throw MessagingError(.invalidTopic, "Topic name is empty.")
        }
        if name.utf8.count > maximumLength {
            throw MessagingError(
                .invalidTopic,
                "Topic name '\(name.prefix(40))…' is \(name.utf8.count) characters; the limit is \(maximumLength)."
            )
        }
        if name == "." || name == ".." {
            throw MessagingError(.invalidTopic, "Topic name '\(name)' is not allowed.")
        }
        if let bad = name.unicodeScalars.first(where: { !isAllowed($0) }) {
            throw MessagingError(
                .invalidTopic,
                "Topic name '\(name)' contains '\(bad.escaped(asASCII: true))'; only ASCII letters, digits, '.', '_' and '-' are allowed."
            )
        }
    }

    private static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", ".", "_", "-": true
        default: false
        }
    }
}

/// The rules for consumer group names, shared by every transport.
///
/// A group name is 1 to 255 bytes of UTF-8 without control characters.
public enum GroupName {
    /// The longest group name allowed, in UTF-8 bytes.
    public static let maximumLength = 255

    /// Checks `name` against the group name rules.
    ///
    /// - Throws: ``MessagingError`` with code ``MessagingError/Code/invalidGroup`` naming the rule
    ///   `name` breaks.
    public static func validate(_ name: String) throws(MessagingError) {
        if name.isEmpty {
            throw MessagingError(.invalidGroup, "Consumer group name is empty.")
        }
        if name.utf8.count > maximumLength {
            throw MessagingError(
                .invalidGroup,
                "Consumer group name '\(name.prefix(40))…' is \(name.utf8.count) bytes; the limit is \(maximumLength)."
            )
        }
        if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw MessagingError(
                .invalidGroup,
                "Consumer group name '\(name.debugDescription)' contains a control character."
            )
        }
    }
}
