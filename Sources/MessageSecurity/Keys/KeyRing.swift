#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The keys a service seals and opens messages with: one active key seals, and every key opens
/// until its retirement date.
///
/// Rotation needs no downtime: add the new key to every receiver's ring, make it the active key
/// of the senders, and give the previous key a retirement date far enough ahead that messages
/// sealed under it — in dead-letter topics too — are handled or replayed before it passes. See
/// <doc:KeyRotation>.
///
/// Load a ring from a key file with ``load(file:)`` or from an environment variable with
/// ``load(environmentVariable:environment:)``; <doc:KeyFiles> describes the format. Nothing a
/// ring prints, logs or throws contains key material.
public struct KeyRing: Sendable, CustomStringConvertible {
    /// Every key of the ring, in the order given.
    public let keys: [SecurityKey]
    /// The key that seals, or `nil` for a ring that only opens.
    public let activeKey: SecurityKey?
    private let byID: [String: SecurityKey]

    /// A ring of `keys`, of which the one with id `activeKeyID` seals.
    ///
    /// - Parameters:
    ///   - keys: The keys.
    ///   - activeKeyID: The id of the key that seals, or `nil` for a ring that only opens.
    /// - Throws: ``SecurityError/Code/invalidConfiguration`` for two keys with the same id, an
    ///   active key id the ring does not hold, or an active key that cannot seal (an Ed25519
    ///   public key).
    public init(_ keys: [SecurityKey], activeKeyID: String?) throws(SecurityError) {
        var byID: [String: SecurityKey] = [:]
        for key in keys {
            guard byID.updateValue(key, forKey: key.id) == nil else {
                throw SecurityError(.invalidConfiguration, "The key ring holds two keys with the id '\(key.id)'.")
            }
        }
        var activeKey: SecurityKey?
        if let activeKeyID {
            guard let key = byID[activeKeyID] else {
                throw SecurityError(
                    .invalidConfiguration,
                    "The active key '\(activeKeyID)' is not in the key ring, which holds \(Self.list(keys))."
                )
            }
            guard key.kind != .ed25519Public else {
                throw SecurityError(
                    .invalidConfiguration,
                    "The active key '\(activeKeyID)' is an Ed25519 public key, which cannot seal."
                )
            }
            activeKey = key
        }
        self.keys = keys
        self.activeKey = activeKey
        self.byID = byID
    }

    /// The key with id `id`, if the ring holds it.
    public func key(id: String) -> SecurityKey? {
        byID[id]
    }

    /// The key ids, and which one is active; never key material.
    public var description: String {
        "KeyRing(keys: \(Self.list(keys)), active: \(activeKey?.id ?? "none"))"
    }

    private static func list(_ keys: [SecurityKey]) -> String {
        "[" + keys.map(\.id).joined(separator: ", ") + "]"
    }
}

// MARK: - Loading

extension KeyRing {
    /// The ring a key file describes; see <doc:KeyFiles>.
    ///
    /// - Throws: ``SecurityError/Code/invalidKeyFile`` naming the file and the problem: the file
    ///   is missing or unreadable, is not a key file, or has a key that is not base64, has the
    ///   wrong length, has an unknown algorithm, an invalid id or retirement date; or names an
    ///   active key it does not hold.
    public static func load(file path: String) throws(SecurityError) -> KeyRing {
        let origin = "key file '\(path)'"
        guard FileManager.default.fileExists(atPath: path) else {
            throw SecurityError(.invalidKeyFile, "The \(origin) does not exist.")
        }
        let contents: Data
        do {
            contents = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw SecurityError(.invalidKeyFile, "The \(origin) cannot be read: \(error)")
        }
        return try KeyFile.decode(contents, origin: origin)
    }

    /// The ring an environment variable describes: a key file's JSON, as it is or base64-encoded;
    /// see <doc:KeyFiles>.
    ///
    /// - Parameters:
    ///   - name: The variable's name.
    ///   - environment: Where to look. Default: the process's environment.
    /// - Throws: ``SecurityError/Code/invalidKeyFile`` naming the variable and the problem, as
    ///   ``load(file:)`` does.
    public static func load(
        environmentVariable name: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(SecurityError) -> KeyRing {
        let origin = "environment variable '\(name)'"
        guard let value = environment[name], !value.isEmpty else {
            throw SecurityError(.invalidKeyFile, "The \(origin) is not set.")
        }
        if value.first(where: { !$0.isWhitespace }) == "{" {
            return try KeyFile.decode(Data(value.utf8), origin: origin)
        }
        guard let decoded = Data(base64Encoded: String(value.filter { !$0.isWhitespace })) else {
            throw SecurityError(
                .invalidKeyFile,
                "The \(origin) holds neither a key file's JSON nor base64: it does not decode as base64."
            )
        }
        return try KeyFile.decode(decoded, origin: origin)
    }
}
