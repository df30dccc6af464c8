import Crypto

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The JSON form of a key ring, as key files and environment variables hold it; see
/// <doc:KeyFiles>.
struct KeyFile: Codable {
    struct Entry: Codable {
        var id: String
        var algorithm: String
        var key: String
        var retires: String?
        var source: String?
    }

    var active: String?
    var keys: [Entry]

    /// The ring `contents` describe; errors name `origin`, such as `key file 'keys.json'`.
    static func decode(_ contents: Data, origin: String) throws(SecurityError) -> KeyRing {
        let file: KeyFile
        do {
            file = try JSONDecoder().decode(KeyFile.self, from: contents)
        } catch {
            throw SecurityError(
                .invalidKeyFile,
                "The \(origin) is not a key file: expected a JSON object with 'keys', each with 'id', 'algorithm' and 'key' (\(describe(error)))."
            )
        }
        var keys: [SecurityKey] = []
        for (index, entry) in file.keys.enumerated() {
            do {
                keys.append(try entry.securityKey())
            } catch {
                throw SecurityError(.invalidKeyFile, "The \(origin) has a bad key #\(index + 1): \(error.reason)")
            }
        }
        do {
            return try KeyRing(keys, activeKeyID: file.active)
        } catch {
            throw SecurityError(.invalidKeyFile, "The \(origin) is not a usable key ring: \(error.reason)")
        }
    }

    /// Where decoding went wrong, without the values: they may be key material.
    private static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "not JSON" }
        switch error {
        case .keyNotFound(let key, let context):
            return "'\(path(context.codingPath + [key]))' is missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "'\(path(context.codingPath))' has the wrong type"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not JSON" : "'\(path(context.codingPath))' is invalid"
        @unknown default:
            return "not JSON"
        }
    }

    private static func path(_ codingPath: [any CodingKey]) -> String {
        codingPath.map { $0.intValue.map { "#\($0 + 1)" } ?? $0.stringValue }.joined(separator: ".")
    }
}

extension KeyFile.Entry {
    /// The key the entry describes.
    func securityKey() throws(SecurityError) -> SecurityKey {
        try SecurityKey.validate(id: id)
        guard let kind = SecurityKey.Kind(rawValue: algorithm) else {
            let known = SecurityKey.Kind.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
            throw SecurityError(
                .invalidConfiguration,
                "key '\(id)' has the unknown algorithm '\(algorithm)'; expected one of \(known)."
            )
        }
        guard let bytes = Data(base64Encoded: key) else {
            throw SecurityError(.invalidConfiguration, "key '\(id)' is not base64.")
        }
        guard bytes.count == 32 else {
            throw SecurityError(
                .invalidConfiguration,
                "key '\(id)' has \(bytes.count) bytes; an '\(kind.rawValue)' key has 32 bytes."
            )
        }
        var retirement: Date?
        if let retires {
            guard let date = try? Date(retires, strategy: .iso8601) else {
                throw SecurityError(
                    .invalidConfiguration,
                    "key '\(id)' has the retirement date '\(retires)', which is not ISO 8601 such as 2026-01-31T00:00:00Z."
                )
            }
            retirement = date
        }
        switch kind {
        case .symmetric:
            return try SecurityKey(id: id, secret: SymmetricKey(data: bytes), retires: retirement, source: source)
        case .ed25519:
            return try SecurityKey(
                id: id,
                signingKey: parse { try Curve25519.Signing.PrivateKey(rawRepresentation: bytes) },
                retires: retirement,
                source: source
            )
        case .ed25519Public:
            return try SecurityKey(
                id: id,
                verifyingKey: parse { try Curve25519.Signing.PublicKey(rawRepresentation: bytes) },
                retires: retirement,
                source: source
            )
        }
    }

    private func parse<Key>(_ make: () throws -> Key) throws(SecurityError) -> Key {
        do {
            return try make()
        } catch {
            throw SecurityError(.invalidConfiguration, "key '\(id)' is not a valid '\(algorithm)' key.")
        }
    }
}

// MARK: - Generating

extension KeyRing {
    /// A new key file holding one symmetric key, made active, from the system's
    /// cryptographically secure random generator; see <doc:KeyFiles>.
    ///
    /// The document loads with ``load(file:)`` as a ring whose active key is `keyID`. Write it
    /// where only the services that seal and open messages can read it: whoever reads it can
    /// read and forge their messages.
    ///
    /// - Parameters:
    ///   - keyID: The new key's id, which sealed messages carry in `seckeyid`.
    ///   - source: The only source messages opened with the key may claim, such as `/sales`;
    ///     `nil` for any. Default: `nil`.
    /// - Returns: The key file's JSON, pretty-printed with sorted keys.
    /// - Throws: ``SecurityError/Code/invalidConfiguration`` for an invalid key id.
    public static func generateKeyFile(keyID: String, source: String? = nil) throws(SecurityError) -> Data {
        try SecurityKey.validate(id: keyID)
        let secret = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        let file = KeyFile(
            active: keyID,
            keys: [
                .init(
                    id: keyID,
                    algorithm: SecurityKey.Kind.symmetric.rawValue,
                    key: secret.base64EncodedString(),
                    source: source
                )
            ]
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            return try encoder.encode(file) + Data("\n".utf8)
        } catch {
            throw SecurityError(.invalidConfiguration, "The key file for key '\(keyID)' could not be encoded.")
        }
    }
}
