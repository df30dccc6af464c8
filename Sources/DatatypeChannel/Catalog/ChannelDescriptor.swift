/// What a channel carries, as a ``ChannelCatalog`` lists it: its name, topics, datatype,
/// versions, media types, size limit and JSON Schema.
///
/// Encodes as JSON with the property names below; ``schema`` encodes as a JSON Schema document
/// whose `$id` is ``dataSchema``.
public struct ChannelDescriptor: Sendable, Hashable, Encodable {
    /// The channel's name.
    public let name: String
    /// The topic its messages travel on.
    public let topic: String
    /// The topic its invalid messages go to.
    public let invalidTopic: String
    /// The datatype's stable name: the CloudEvents `type` of the channel's messages.
    public let typeName: String
    /// The schema version the channel carries.
    public let schemaVersion: Int
    /// Every version the channel accepts, its own and those it upgrades.
    public let acceptedVersions: [Int]
    /// The media types of its payloads.
    public let contentTypes: [String]
    /// The URI of its schema and version: the CloudEvents `dataschema` of its messages.
    public let dataSchema: String
    /// The largest payload it accepts, in bytes; `nil` for no limit.
    public let maximumBytes: Int?
    /// The JSON Schema of its payloads.
    public let schema: JSONSchema

    private enum Keys: String, CodingKey {
        case name, topic, invalidTopic, typeName, schemaVersion, acceptedVersions, contentTypes, dataSchema
        case maximumBytes, schema
    }

    /// Encodes the descriptor, its schema as a JSON Schema document.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(name, forKey: .name)
        try container.encode(topic, forKey: .topic)
        try container.encode(invalidTopic, forKey: .invalidTopic)
        try container.encode(typeName, forKey: .typeName)
        try container.encode(schemaVersion, forKey: .schemaVersion)
        try container.encode(acceptedVersions, forKey: .acceptedVersions)
        try container.encode(contentTypes, forKey: .contentTypes)
        try container.encode(dataSchema, forKey: .dataSchema)
        try container.encodeIfPresent(maximumBytes, forKey: .maximumBytes)
        try container.encode(SchemaDocument(id: dataSchema, title: typeName, schema: schema), forKey: .schema)
    }
}

/// A JSON Schema with the draft it follows, its id and its title.
private struct SchemaDocument: Encodable {
    let id: String
    let title: String
    let schema: JSONSchema

    private enum Keys: String, CodingKey {
        case draft = "$schema"
        case id = "$id"
        case title
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode("https://json-schema.org/draft/2020-12/schema", forKey: .draft)
        try container.encode(id, forKey: .id)
        try container.encode(title, forKey: .title)
        try schema.encode(to: encoder)
    }
}

extension TypedChannel {
    /// What the channel carries.
    public var descriptor: ChannelDescriptor {
        ChannelDescriptor(
            name: name,
            topic: topic,
            invalidTopic: invalidTopic,
            typeName: Payload.typeName,
            schemaVersion: Payload.schemaVersion,
            acceptedVersions: acceptedVersions,
            contentTypes: Payload.contentTypes,
            dataSchema: Payload.dataSchema,
            maximumBytes: maximumBytes,
            schema: Payload.schema
        )
    }
}
