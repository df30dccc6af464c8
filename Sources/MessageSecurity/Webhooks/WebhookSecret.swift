import Crypto

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A Standard Webhooks signing secret: 24 to 64 random bytes, written `whsec_` followed by their
/// base64.
///
/// `description` never shows the secret; ``encoded`` does, for handing it to the receiver.
public struct WebhookSecret: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The prefix of a written secret.
    public static let prefix = "whsec_"

    let key: SymmetricKey

    /// The secret written as `whsec_<base64>`, or as bare base64.
    ///
    /// - Throws: ``SecurityError/Code/invalidConfiguration`` for text that is not base64, or a
    ///   secret shorter than 24 or longer than 64 bytes; the error never contains the text.
    public init(_ text: String) throws(SecurityError) {
        let encoded = text.hasPrefix(Self.prefix) ? String(text.dropFirst(Self.prefix.count)) : text
        guard let bytes = Data(base64Encoded: encoded) else {
            throw SecurityError(.invalidConfiguration, "The webhook secret is not '\(Self.prefix)' followed by base64.")
        }
        try self.init(bytes: bytes)
    }

    /// The secret `bytes`.
    ///
    /// - Throws: ``SecurityError/Code/invalidConfiguration`` for fewer than 24 or more than 64 bytes.
    public init(bytes: some DataProtocol) throws(SecurityError) {
        guard (24...64).contains(bytes.count) else {
            throw SecurityError(
                .invalidConfiguration,
                "The webhook secret has \(bytes.count) bytes; Standard Webhooks secrets have 24 to 64."
            )
        }
        key = SymmetricKey(data: Data(bytes))
    }

    /// A new random secret of 32 bytes.
    public static func generate() -> WebhookSecret {
        WebhookSecret(key: SymmetricKey(size: .bits256))
    }

    private init(key: SymmetricKey) {
        self.key = key
    }

    /// The secret as `whsec_<base64>`: give it to the receiver over a secure channel.
    public var encoded: String {
        Self.prefix + key.withUnsafeBytes { Data($0) }.base64EncodedString()
    }

    /// A placeholder: the secret is never shown.
    public var description: String { "WebhookSecret(redacted)" }

    /// A placeholder: the secret is never shown.
    public var debugDescription: String { description }

    /// No children: the secret is never shown.
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}
