import Crypto

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A key of a ``KeyRing``: its id, what it can do, when it retires, and the secret or public
/// key material, which it never shows.
///
/// A ``Kind/symmetric`` key is a 256-bit secret shared by senders and receivers; it is never
/// used directly: each algorithm gets its own subkey, derived with HKDF-SHA256 (see
/// <doc:WireFormat>). An ``Kind/ed25519`` key signs and verifies; an ``Kind/ed25519Public`` key
/// only verifies.
///
/// `description`, `debugDescription` and the mirror `dump` reads show the id and kind only.
public struct SecurityKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// What a key can do.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// A 256-bit shared secret for ``SealAlgorithm/hmacSHA256``, ``SealAlgorithm/aes256GCM``
        /// and ``SealAlgorithm/chaCha20Poly1305``.
        case symmetric
        /// An Ed25519 private key: signs and verifies ``SealAlgorithm/ed25519``.
        case ed25519
        /// An Ed25519 public key: verifies ``SealAlgorithm/ed25519`` only.
        case ed25519Public = "ed25519-public"
    }

    enum Material: Sendable {
        case symmetric(hmac: SymmetricKey, aesGCM: SymmetricKey, chaChaPoly: SymmetricKey)
        case signing(Curve25519.Signing.PrivateKey)
        case verifying(Curve25519.Signing.PublicKey)
    }

    /// The key's id, which sealed messages carry in `seckeyid`: 1 to 64 ASCII letters, digits,
    /// `.`, `_` or `-`.
    public let id: String
    /// What the key can do.
    public let kind: Kind
    /// When the key stops opening messages; `nil` if it never retires.
    public var retires: Date?
    /// The only source messages opened with this key may claim, such as `/billing`; `nil` for
    /// any. A ``SecureReceiver`` refuses a message whose source differs as unauthorized.
    public var source: String?
    let material: Material

    /// A key for a 256-bit shared `secret`.
    ///
    /// - Throws: ``SecurityError/Code/invalidConfiguration`` for an invalid id or a secret that
    ///   is not 256 bits long.
    public init(id: String, secret: SymmetricKey, retires: Date? = nil, source: String? = nil) throws(SecurityError) {
        try Self.validate(id: id)
        guard secret.bitCount == 256 else {
            throw SecurityError(
                .invalidConfiguration,
                "Key '\(id)' has \(secret.bitCount) bits; a symmetric key must have 256 bits."
            )
        }
        self.init(
            id: id,
            kind: .symmetric,
            retires: retires,
            source: source,
            material: .symmetric(
                hmac: Self.subkey(of: secret, for: .hmacSHA256),
                aesGCM: Self.subkey(of: secret, for: .aes256GCM),
                chaChaPoly: Self.subkey(of: secret, for: .chaCha20Poly1305)
            )
        )
    }

    /// A key that signs and verifies with Ed25519.
    ///
    /// - Throws: ``SecurityError/Code/invalidConfiguration`` for an invalid id.
    public init(
        id: String,
        signingKey: Curve25519.Signing.PrivateKey,
        retires: Date? = nil,
        source: String? = nil
    ) throws(SecurityError) {
        try Self.validate(id: id)
        self.init(id: id, kind: .ed25519, retires: retires, source: source, material: .signing(signingKey))
    }

    /// A key that only verifies Ed25519 signatures.
    ///
    /// - Throws: ``SecurityError/Code/invalidConfiguration`` for an invalid id.
    public init(
        id: String,
        verifyingKey: Curve25519.Signing.PublicKey,
        retires: Date? = nil,
        source: String? = nil
    ) throws(SecurityError) {
        try Self.validate(id: id)
        self.init(id: id, kind: .ed25519Public, retires: retires, source: source, material: .verifying(verifyingKey))
    }

    private init(id: String, kind: Kind, retires: Date?, source: String?, material: Material) {
        self.id = id
        self.kind = kind
        self.retires = retires
        self.source = source
        self.material = material
    }

    /// Whether the key can seal messages with `algorithm`.
    public func canSeal(_ algorithm: SealAlgorithm) -> Bool {
        switch kind {
        case .symmetric: algorithm != .ed25519
        case .ed25519: algorithm == .ed25519
        case .ed25519Public: false
        }
    }

    /// Whether the key can open messages sealed with `algorithm`.
    public func canOpen(_ algorithm: SealAlgorithm) -> Bool {
        switch kind {
        case .symmetric: algorithm != .ed25519
        case .ed25519, .ed25519Public: algorithm == .ed25519
        }
    }

    /// Whether the key has retired at `time`.
    public func isRetired(at time: Date) -> Bool {
        retires.map { $0 <= time } ?? false
    }

    /// The id and kind, never the key material.
    public var description: String {
        "SecurityKey(id: \(id), kind: \(kind.rawValue))"
    }

    /// The id and kind, never the key material.
    public var debugDescription: String { description }

    /// The id, kind, retirement date and source, never the key material.
    public var customMirror: Mirror {
        Mirror(self, children: ["id": id, "kind": kind, "retires": retires as Any, "source": source as Any])
    }

    // MARK: - Subkeys

    /// The subkey of `secret` for `algorithm`: HKDF-SHA256 with no salt and the info
    /// `messagesecurity/v1/<algorithm>`, 32 bytes long.
    static func subkey(of secret: SymmetricKey, for algorithm: SealAlgorithm) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: secret,
            info: Data("\(AuthenticatedData.context)/\(algorithm.rawValue)".utf8),
            outputByteCount: 32
        )
    }

    // MARK: - Ids

    static func validate(id: String) throws(SecurityError) {
        let valid =
            (1...64).contains(id.utf8.count)
            && id.utf8.allSatisfy { byte in
                (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                    || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
            }
        guard valid else {
            throw SecurityError(
                .invalidConfiguration,
                "Key id '\(id)' is invalid; use 1 to 64 ASCII letters, digits, '.', '_' or '-'."
            )
        }
    }
}
