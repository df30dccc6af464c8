import Crypto
import Messaging

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Seals messages under a key ring's active key and opens them with any of its keys that has
/// not retired, on any transport.
///
/// A seal authenticates the payload and the attributes that route or interpret a message — id,
/// source, type, subject, time, data content type, data schema, key id and algorithm — so a
/// change to any of them fails like a changed payload byte. An encrypting algorithm also hides
/// the payload, with a fresh random nonce for every message. <doc:WireFormat> specifies the
/// attributes and bytes.
///
/// ```swift
/// let sealer = MessageSealer(keys: try KeyRing.load(file: "keys.json"))
/// let sealed = try sealer.seal(message, with: .aes256GCM)
/// let opened = try sealer.open(sealed).message
/// ```
///
/// On a bus, ``SecureSender`` seals and ``SecureReceiver`` opens.
public struct MessageSealer: Sendable {
    /// A message a seal was checked on, with what sealed it.
    public struct Opened: Sendable {
        /// The message as it was before it was sealed: decrypted, with its own content type, and
        /// without the seal's attributes.
        public var message: Message
        /// The key that opened it.
        public var key: SecurityKey
        /// The algorithm it was sealed with.
        public var algorithm: SealAlgorithm
    }

    /// The keys.
    public let keys: KeyRing
    private let now: @Sendable () -> Date

    /// A sealer with `keys`.
    ///
    /// - Parameters:
    ///   - keys: The key ring: its active key seals, its keys open until they retire.
    ///   - now: The wall clock that retirement dates are compared with. Default: the system's.
    public init(keys: KeyRing, now: @escaping @Sendable () -> Date = { Date() }) {
        self.keys = keys
        self.now = now
    }

    /// Whether `message` carries a seal: the `secalg` attribute.
    public static func isSealed(_ message: Message) -> Bool {
        message.extensions[SealAttribute.algorithm] != nil
    }

    // MARK: - Sealing

    /// `message` sealed with `algorithm` under the active key.
    ///
    /// Its time is rounded to the millisecond, which every transport keeps exactly. A signed
    /// message keeps its payload and gets a signature; an encrypted one gets the nonce,
    /// ciphertext and tag as its payload, `application/octet-stream` as its content type, and
    /// its own content type in `secctype`.
    ///
    /// - Throws: ``SecurityError/Code/invalidConfiguration`` if the ring has no active key, the
    ///   active key cannot seal with `algorithm`, or the message is sealed already;
    ///   ``SecurityError/Code/retiredKey`` if the active key has retired.
    public func seal(_ message: Message, with algorithm: SealAlgorithm) throws(SecurityError) -> Message {
        guard let key = keys.activeKey else {
            throw SecurityError(
                .invalidConfiguration,
                "Cannot seal message \(message.id): the key ring has no active key."
            )
        }
        guard key.canSeal(algorithm) else {
            throw SecurityError(
                .invalidConfiguration,
                "Cannot seal message \(message.id) with \(algorithm): the active key '\(key.id)' is a \(key.kind.rawValue) key."
            )
        }
        guard !key.isRetired(at: now()) else {
            throw SecurityError(
                .retiredKey,
                "Cannot seal message \(message.id): the active key '\(key.id)' has retired; make a newer key active."
            )
        }
        guard !Self.isSealed(message) else {
            throw SecurityError(.invalidConfiguration, "Message \(message.id) is sealed already.")
        }
        var sealed = message
        sealed.time = message.time.map(AuthenticatedData.truncated)
        sealed.extensions[SealAttribute.algorithm] = algorithm.rawValue
        sealed.extensions[SealAttribute.keyID] = key.id
        let attributes = AuthenticatedData.attributes(
            of: sealed,
            algorithm: algorithm,
            keyID: key.id,
            contentType: message.dataContentType,
            signedPayloadCount: algorithm.encrypts ? nil : message.payload.count
        )
        do {
            switch (algorithm, key.material) {
            case (.hmacSHA256, .symmetric(let hmacKey, _, _)):
                let code = Self.authenticationCode(attributes, message.payload, key: hmacKey)
                sealed.extensions[SealAttribute.signature] = Data(code).base64EncodedString()
            case (.ed25519, .signing(let privateKey)):
                let signature = try privateKey.signature(for: Self.signedBytes(attributes, message.payload))
                sealed.extensions[SealAttribute.signature] = signature.base64EncodedString()
            case (.aes256GCM, .symmetric(_, let aesKey, _)):
                let box = try AES.GCM.seal(message.payload, using: aesKey, authenticating: attributes)
                // Present for the standard 12-byte nonce, the only one used here.
                guard let combined = box.combined else {
                    throw SecurityError(
                        .invalidConfiguration,
                        "AES-GCM sealed message \(message.id) with a nonstandard nonce."
                    )
                }
                sealed.payload = combined
                encrypted(&sealed, contentType: message.dataContentType)
            case (.chaCha20Poly1305, .symmetric(_, _, let chaChaKey)):
                let box = try ChaChaPoly.seal(message.payload, using: chaChaKey, authenticating: attributes)
                sealed.payload = box.combined
                encrypted(&sealed, contentType: message.dataContentType)
            default:
                throw SecurityError(.invalidConfiguration, "Key '\(key.id)' cannot seal with \(algorithm).")
            }
        } catch let error as SecurityError {
            throw error
        } catch {
            throw SecurityError(
                .invalidConfiguration,
                "Sealing message \(message.id) with \(algorithm) failed: \(error)"
            )
        }
        return sealed
    }

    private func encrypted(_ message: inout Message, contentType: String?) {
        message.extensions[SealAttribute.contentType] = contentType
        message.dataContentType = "application/octet-stream"
    }

    // MARK: - Opening

    /// `message` with its seal checked, decrypted if it was encrypted.
    ///
    /// - Throws: ``SecurityError`` with the code of the check that failed:
    ///   ``SecurityError/Code/unsigned`` for a message without a seal;
    ///   ``SecurityError/Code/tampered`` for a changed payload or authenticated attribute, or a
    ///   malformed seal (no key id, an unknown algorithm, a signature that is not base64);
    ///   ``SecurityError/Code/unknownKey`` for a key id the ring does not hold, or a key that
    ///   cannot open the algorithm; ``SecurityError/Code/retiredKey`` for a key that has retired.
    public func open(_ message: Message) throws(SecurityError) -> Opened {
        guard let algorithmName = message.extensions[SealAttribute.algorithm] else {
            throw SecurityError(
                .unsigned,
                "Message \(message.id) carries no seal: it has no '\(SealAttribute.algorithm)' attribute."
            )
        }
        guard let algorithm = SealAlgorithm(rawValue: algorithmName) else {
            throw SecurityError(.tampered, "Message \(message.id) names the unknown seal algorithm '\(algorithmName)'.")
        }
        guard let keyID = message.extensions[SealAttribute.keyID], !keyID.isEmpty else {
            throw SecurityError(
                .tampered,
                "Message \(message.id) is sealed but names no key: it has no '\(SealAttribute.keyID)' attribute."
            )
        }
        guard let key = keys.key(id: keyID) else {
            throw SecurityError(
                .unknownKey,
                "Message \(message.id) was sealed under the key '\(keyID)', which the key ring does not hold."
            )
        }
        guard key.canOpen(algorithm) else {
            throw SecurityError(
                .unknownKey,
                "Message \(message.id) claims \(algorithm) under the key '\(keyID)', which is a \(key.kind.rawValue) key."
            )
        }
        guard !key.isRetired(at: now()) else {
            throw SecurityError(
                .retiredKey,
                "Message \(message.id) was sealed under the key '\(keyID)', which has retired."
            )
        }
        var opened = message
        if message.extensions.keys.allSatisfy(SealAttribute.all.contains) {
            // Only the seal's attributes: cheaper than removing them one by one.
            opened.extensions = [:]
        } else {
            for name in SealAttribute.all {
                opened.extensions.removeValue(forKey: name)
            }
        }
        let contentType = algorithm.encrypts ? message.extensions[SealAttribute.contentType] : message.dataContentType
        let attributes = AuthenticatedData.attributes(
            of: message,
            algorithm: algorithm,
            keyID: keyID,
            contentType: contentType,
            signedPayloadCount: algorithm.encrypts ? nil : message.payload.count
        )
        func tampered() -> SecurityError {
            SecurityError(
                .tampered,
                "Message \(message.id) does not match its seal: its payload or an authenticated attribute was changed."
            )
        }
        switch (algorithm, key.material) {
        case (.hmacSHA256, .symmetric(let hmacKey, _, _)):
            let signature = try Self.signature(of: message)
            guard Self.authenticationCode(attributes, message.payload, key: hmacKey) == signature else {
                throw tampered()
            }
        case (.ed25519, .signing(let privateKey)):
            let signature = try Self.signature(of: message)
            let bytes = Self.signedBytes(attributes, message.payload)
            guard privateKey.publicKey.isValidSignature(signature, for: bytes) else { throw tampered() }
        case (.ed25519, .verifying(let publicKey)):
            let signature = try Self.signature(of: message)
            let bytes = Self.signedBytes(attributes, message.payload)
            guard publicKey.isValidSignature(signature, for: bytes) else { throw tampered() }
        case (.aes256GCM, .symmetric(_, let aesKey, _)):
            do {
                let box = try AES.GCM.SealedBox(combined: message.payload)
                opened.payload = try AES.GCM.open(box, using: aesKey, authenticating: attributes)
            } catch {
                throw tampered()
            }
            opened.dataContentType = contentType
        case (.chaCha20Poly1305, .symmetric(_, _, let chaChaKey)):
            do {
                let box = try ChaChaPoly.SealedBox(combined: message.payload)
                opened.payload = try ChaChaPoly.open(box, using: chaChaKey, authenticating: attributes)
            } catch {
                throw tampered()
            }
            opened.dataContentType = contentType
        default:
            throw SecurityError(.unknownKey, "Key '\(keyID)' cannot open \(algorithm).")
        }
        return Opened(message: opened, key: key, algorithm: algorithm)
    }

    // MARK: - Bytes

    private static func signature(of message: Message) throws(SecurityError) -> Data {
        guard let text = message.extensions[SealAttribute.signature], let signature = Data(base64Encoded: text) else {
            throw SecurityError(
                .tampered,
                "Message \(message.id) is signed but its '\(SealAttribute.signature)' attribute is missing or not base64."
            )
        }
        return signature
    }

    /// The HMAC of the attributes (ending with the payload's length) and the payload, computed
    /// without copying the payload.
    private static func authenticationCode(_ attributes: [UInt8], _ payload: Data, key: SymmetricKey)
        -> HMAC<SHA256>.MAC
    {
        var hmac = HMAC<SHA256>(key: key)
        hmac.update(data: attributes)
        hmac.update(data: payload)
        return hmac.finalize()
    }

    /// The attributes (ending with the payload's length) and the payload, as one buffer: what
    /// Ed25519 signs.
    private static func signedBytes(_ attributes: [UInt8], _ payload: Data) -> Data {
        var bytes = Data(capacity: attributes.count + payload.count)
        bytes.append(contentsOf: attributes)
        bytes.append(payload)
        return bytes
    }
}
