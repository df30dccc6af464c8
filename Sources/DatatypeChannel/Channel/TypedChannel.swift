import Messaging

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A channel that carries one datatype: a sender can put nothing else on it, and a receiver knows
/// what it reads from it.
///
/// ```swift
/// let customers = TypedChannel(Customer.self)        // topic datatype.customer.v1
/// try await bus.send(customer, on: customers)        // only a Customer compiles here
/// try bus.consume(customers, group: "crm") { customer, context in
///     try await store.save(customer)
/// }
/// ```
///
/// Every message the channel makes is labelled with its datatype as CloudEvents attributes:
/// `type` is ``Datatype/typeName``, `dataschema` names the type and version
/// (`urn:datatype:customer:v1`), and `datacontenttype` is the payload's media type.
///
/// Reading a message checks those labels, the size, the bytes and the value's own rules, in
/// that order; see ``value(of:)``.
public struct TypedChannel<Payload: Datatype>: Sendable {
    /// The largest payload a channel accepts unless told otherwise: 1 MiB, Kafka's default
    /// record size.
    public static var defaultMaximumBytes: Int { 1_048_576 }

    /// The channel's name, by which a ``ChannelCatalog`` finds it. Default: the type name.
    public let name: String
    /// The topic its messages travel on. Default: `datatype.<typeName>.v<version>`.
    public let topic: String
    /// The largest payload the channel accepts, in bytes; `nil` for no limit.
    public let maximumBytes: Int?
    private let upgrades: [Int: DatatypeUpgrade<Payload>]
    /// `Payload.dataSchema` and what precedes the version in it, made once rather than per message.
    private let dataSchema = Payload.dataSchema
    private let dataSchemaPrefix = "urn:datatype:\(Payload.typeName):v"

    /// Creates a channel for `Payload`.
    ///
    /// Each upgrade must read an older version of the same type name; two upgrades may not read
    /// the same version. Breaking either is a programming error and stops the program.
    ///
    /// - Parameters:
    ///   - type: The datatype.
    ///   - name: The channel's name. Default: `Payload.typeName`.
    ///   - topic: The topic. Default: `datatype.<typeName>.v<schemaVersion>`.
    ///   - maximumBytes: The largest payload accepted. Default: ``defaultMaximumBytes``.
    ///   - upgrades: Conversions from older versions that the channel accepts. Default: none.
    public init(
        _ type: Payload.Type = Payload.self,
        name: String? = nil,
        topic: String? = nil,
        maximumBytes: Int? = defaultMaximumBytes,
        upgrading upgrades: [DatatypeUpgrade<Payload>] = []
    ) {
        self.name = name ?? Payload.typeName
        self.topic = topic ?? "datatype.\(Payload.typeName).v\(Payload.schemaVersion)"
        self.maximumBytes = maximumBytes
        var byVersion: [Int: DatatypeUpgrade<Payload>] = [:]
        for upgrade in upgrades {
            precondition(
                upgrade.typeName == Payload.typeName && upgrade.version < Payload.schemaVersion,
                "An upgrade of channel '\(self.name)' reads \(upgrade.typeName) v\(upgrade.version), not an older \(Payload.typeName)."
            )
            precondition(
                byVersion.updateValue(upgrade, forKey: upgrade.version) == nil,
                "Channel '\(self.name)' has two upgrades from v\(upgrade.version)."
            )
        }
        self.upgrades = byVersion
    }

    /// Where messages that are not of the channel's type go: `<topic>.invalid`.
    public var invalidTopic: String { topic + ".invalid" }

    /// The schema versions the channel accepts: its own and those it upgrades, in order.
    public var acceptedVersions: [Int] {
        (upgrades.keys + [Payload.schemaVersion]).sorted()
    }

    // MARK: - Sending

    /// A message carrying `value`, labelled with the channel's datatype.
    ///
    /// - Throws: ``DatatypeError/Code/invalid`` if the value breaks its type's rules or its
    ///   schema, and ``DatatypeError/Code/tooLarge`` if its payload is over ``maximumBytes``.
    public func message(_ value: Payload) throws(DatatypeError) -> Message {
        do throws(DatatypeError) {
            try value.validate()
            let payload = try value.encoded()
            try checkSize(payload)
            return Message(
                type: Payload.typeName,
                dataContentType: value.contentType,
                dataSchema: dataSchema,
                key: value.partitionKey,
                payload: payload
            )
        } catch {
            throw error.on(name)
        }
    }

    // MARK: - Receiving

    /// The value `message` carries, if it is of the channel's type.
    ///
    /// Checks, in order: the CloudEvents `type` is the type name; `dataschema` names a version
    /// the channel accepts; `datacontenttype`, when present, is one of the type's media types;
    /// the payload is within ``maximumBytes``; the bytes read as the type (or as an older
    /// version, then upgraded); the value passes ``Datatype/validate()``.
    ///
    /// - Throws: ``DatatypeError`` with the code of the first check that failed.
    public func value(of message: Message) throws(DatatypeError) -> Payload {
        do throws(DatatypeError) {
            guard message.type == Payload.typeName else {
                throw DatatypeError(
                    .typeMismatch,
                    "Message \(message.id) is of type '\(message.type)'; the channel carries '\(Payload.typeName)'.",
                    expected: Payload.typeName,
                    actual: message.type
                )
            }
            let version = try declaredVersion(of: message)
            if let declared = message.dataContentType {
                try checkContentType(declared)
            }
            try checkSize(message.payload)
            let value: Payload
            if version == Payload.schemaVersion {
                value = try Payload(payload: message.payload)
            } else if let upgrade = upgrades[version] {
                value = try upgrade.read(message.payload)
            } else {
                throw DatatypeError(
                    .unsupportedVersion,
                    "Message \(message.id) is a \(Payload.typeName) v\(version); the channel accepts \(versionList).",
                    expected: versionList,
                    actual: "v\(version)"
                )
            }
            try value.validate()
            return value
        } catch {
            throw error.on(name)
        }
    }

    /// Reads input given as bytes and a media type, as a catalog does for dynamic input.
    func value(ofInput payload: Data, contentType: String?) throws(DatatypeError) -> Payload {
        do throws(DatatypeError) {
            if let contentType {
                try checkContentType(contentType)
            }
            try checkSize(payload)
            let value = try Payload(payload: payload)
            try value.validate()
            return value
        } catch {
            throw error.on(name)
        }
    }

    private var versionList: String {
        acceptedVersions.map { "v\($0)" }.joined(separator: ", ")
    }

    private func declaredVersion(of message: Message) throws(DatatypeError) -> Int {
        guard let schema = message.dataSchema, schema.hasPrefix(dataSchemaPrefix),
            let version = Int(schema.dropFirst(dataSchemaPrefix.count))
        else {
            throw DatatypeError(
                .unsupportedVersion,
                "Message \(message.id) declares no version of '\(Payload.typeName)' (dataschema \(message.dataSchema.map { "'\($0)'" } ?? "missing")).",
                expected: Payload.dataSchema,
                actual: message.dataSchema ?? "none"
            )
        }
        return version
    }

    private func checkContentType(_ declared: String) throws(DatatypeError) {
        // Labels this module writes match exactly; others are compared without their parameters.
        if Payload.contentTypes.contains(declared) { return }
        let essence = MediaType.essence(of: declared)
        guard Payload.contentTypes.contains(essence) else {
            let expected = Payload.contentTypes.joined(separator: " or ")
            throw DatatypeError(
                .typeMismatch,
                "The payload is declared as \(essence); the channel carries \(expected).",
                expected: expected,
                actual: essence
            )
        }
    }

    private func checkSize(_ payload: Data) throws(DatatypeError) {
        if let maximumBytes, payload.count > maximumBytes {
            throw DatatypeError(
                .tooLarge,
                "The payload is \(payload.count) bytes; the channel accepts at most \(maximumBytes).",
                expected: "at most \(maximumBytes) bytes",
                actual: "\(payload.count) bytes"
            )
        }
    }
}
