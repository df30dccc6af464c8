import Crypto

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Signs webhook requests the Standard Webhooks way: `webhook-id`, `webhook-timestamp` and
/// `webhook-signature`, the last holding `v1,` and the base64 HMAC-SHA256 of
/// `<id>.<timestamp>.<body>`, computed over the raw body bytes.
///
/// Given several secrets — during a rotation, the new one and the old one — it writes one
/// signature for each, separated by spaces, and a receiver that knows either accepts the request.
///
/// ```swift
/// let signer = WebhookSigner(secrets: [try WebhookSecret(secretText)])
/// for (name, value) in signer.headers(id: "msg_1", timestamp: Date(), body: body) {
///     request.headers.add(name: name, value: value)
/// }
/// ```
public struct WebhookSigner: Sendable {
    /// The header that carries the message id.
    public static let idHeader = "webhook-id"
    /// The header that carries the time of sending, in whole seconds since 1970.
    public static let timestampHeader = "webhook-timestamp"
    /// The header that carries the signatures.
    public static let signatureHeader = "webhook-signature"

    private let secrets: [WebhookSecret]

    /// A signer that signs with each of `secrets`.
    public init(secrets: [WebhookSecret]) {
        self.secrets = secrets
    }

    /// The three headers of a request with `body`, sent at `timestamp` as message `id`.
    public func headers(id: String, timestamp: Date, body: some DataProtocol) -> [(String, String)] {
        let seconds = Int64(timestamp.timeIntervalSince1970.rounded(.down))
        return [
            (Self.idHeader, id),
            (Self.timestampHeader, String(seconds)),
            (Self.signatureHeader, signature(id: id, timestamp: seconds, body: body)),
        ]
    }

    /// The `webhook-signature` value: `v1,<base64>` for each secret, separated by spaces.
    public func signature(id: String, timestamp: Int64, body: some DataProtocol) -> String {
        secrets.map { secret in
            let code = Self.authenticationCode(id: id, timestamp: String(timestamp), body: body, key: secret.key)
            return "v1," + Data(code).base64EncodedString()
        }.joined(separator: " ")
    }

    /// HMAC-SHA256 of `<id>.<timestamp>.<body>`, over the body's bytes as they are.
    static func authenticationCode(id: String, timestamp: String, body: some DataProtocol, key: SymmetricKey)
        -> HMAC<SHA256>.MAC
    {
        var hmac = HMAC<SHA256>(key: key)
        hmac.update(data: Data("\(id).\(timestamp).".utf8))
        hmac.update(data: body)
        return hmac.finalize()
    }
}
