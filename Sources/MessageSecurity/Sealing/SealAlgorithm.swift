/// How a message is sealed: signed, or encrypted and authenticated.
///
/// The raw value is what the `secalg` extension attribute carries; see <doc:WireFormat>.
public enum SealAlgorithm: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// A signature with HMAC-SHA256 under a shared key: whoever can verify can also sign.
    case hmacSHA256 = "hmacsha256"
    /// A signature with Ed25519: consumers hold the public key and can verify without being
    /// able to sign.
    case ed25519
    /// Encryption and authentication with AES-256-GCM under a shared key.
    case aes256GCM = "aes256gcm"
    /// Encryption and authentication with ChaCha20-Poly1305 under a shared key.
    case chaCha20Poly1305 = "chacha20poly1305"

    /// Whether the algorithm hides the payload; otherwise it only signs it.
    public var encrypts: Bool {
        switch self {
        case .hmacSHA256, .ed25519: false
        case .aes256GCM, .chaCha20Poly1305: true
        }
    }

    /// The name the `secalg` attribute carries.
    public var description: String { rawValue }
}
