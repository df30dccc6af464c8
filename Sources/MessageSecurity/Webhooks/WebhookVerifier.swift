import Crypto

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Verifies Standard Webhooks requests: the signature of at least one `v1` entry of
/// `webhook-signature` matches one of the secrets, compared in constant time, and
/// `webhook-timestamp` is within the tolerance of now.
///
/// ```swift
/// let verifier = WebhookVerifier(secrets: [try WebhookSecret(secretText)])
/// try verifier.verify(headers: request.headers, body: rawBody)
/// ```
public struct WebhookVerifier: Sendable {
    private let secrets: [WebhookSecret]
    private let tolerance: Duration
    private let now: @Sendable () -> Date

    /// A verifier that accepts signatures made with any of `secrets`.
    ///
    /// - Parameters:
    ///   - secrets: The secrets; during a rotation, the new one and the old one.
    ///   - tolerance: How far `webhook-timestamp` may be from now, either way. Default: 5 minutes.
    ///   - now: The wall clock. Default: the system's.
    public init(
        secrets: [WebhookSecret],
        tolerance: Duration = .seconds(300),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.secrets = secrets
        self.tolerance = tolerance
        self.now = now
    }

    /// Checks a request's headers, whose names are matched without regard to case, and its raw
    /// body.
    ///
    /// - Throws: ``SecurityError`` — ``SecurityError/Code/unsigned`` when a header is missing,
    ///   ``SecurityError/Code/expired`` when the timestamp is outside the tolerance, and
    ///   ``SecurityError/Code/tampered`` when the timestamp is not a number or no signature matches.
    public func verify(headers: some Sequence<(String, String)>, body: some DataProtocol) throws(SecurityError) {
        var id: String?
        var timestamp: String?
        var signatures: String?
        for (name, value) in headers {
            switch name.lowercased() {
            case WebhookSigner.idHeader: id = value
            case WebhookSigner.timestampHeader: timestamp = value
            case WebhookSigner.signatureHeader: signatures = value
            default: continue
            }
        }
        guard let id, let timestamp, let signatures else {
            let missing = [
                (WebhookSigner.idHeader, id), (WebhookSigner.timestampHeader, timestamp),
                (WebhookSigner.signatureHeader, signatures),
            ].filter { $0.1 == nil }.map { "'\($0.0)'" }
            throw SecurityError(.unsigned, "The webhook request has no \(missing.joined(separator: " or ")) header.")
        }
        try verify(id: id, timestamp: timestamp, signatures: signatures, body: body)
    }

    /// Checks the three header values and the raw body.
    ///
    /// - Throws: ``SecurityError`` as ``verify(headers:body:)`` does.
    public func verify(id: String, timestamp: String, signatures: String, body: some DataProtocol)
        throws(SecurityError)
    {
        guard let seconds = Int64(timestamp) else {
            throw SecurityError(.tampered, "The webhook timestamp '\(timestamp)' is not whole seconds since 1970.")
        }
        let offset = abs(now().timeIntervalSince1970 - Double(seconds))
        let limit = Double(tolerance.components.seconds)
        guard offset <= limit else {
            throw SecurityError(
                .expired,
                "The webhook timestamp \(seconds) is \(Int(offset)) s from now; at most \(Int(limit)) s are tolerated."
            )
        }
        let candidates = signatures.split(separator: " ").compactMap { entry -> Data? in
            guard entry.hasPrefix("v1,") else { return nil }
            return Data(base64Encoded: String(entry.dropFirst(3)))
        }
        for secret in secrets {
            let expected = WebhookSigner.authenticationCode(id: id, timestamp: timestamp, body: body, key: secret.key)
            // The comparison of a MAC with bytes takes the same time wherever they differ.
            if candidates.contains(where: { expected == $0 }) {
                return
            }
        }
        throw SecurityError(.tampered, "No signature of webhook message '\(id)' matches a known secret.")
    }
}
