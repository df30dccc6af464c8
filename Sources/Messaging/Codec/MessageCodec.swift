#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Turns values into payload bytes and back.
///
/// Implement it to carry another format (Protocol Buffers, MessagePack…); ``JSONMessageCodec`` is
/// the default. Codecs must be thread-safe.
public protocol MessageCodec: Sendable {
    /// The media type of the payloads this codec writes; stored in ``Message/dataContentType``.
    var contentType: String { get }

    /// Encodes `value` into payload bytes.
    ///
    /// - Throws: ``MessagingError`` with code ``MessagingError/Code/encodingFailed``.
    func encode<Value: Encodable>(_ value: Value) throws(MessagingError) -> Data

    /// Decodes a value of type `type` from payload bytes.
    ///
    /// - Throws: ``MessagingError`` with code ``MessagingError/Code/decodingFailed`` naming the
    ///   type and what did not fit.
    func decode<Value: Decodable>(_ type: Value.Type, from data: Data) throws(MessagingError) -> Value
}

/// A codec that writes and reads JSON with `JSONEncoder` and `JSONDecoder`.
public struct JSONMessageCodec: MessageCodec {
    /// `application/json`.
    public var contentType: String { "application/json" }

    private let makeEncoder: @Sendable () -> JSONEncoder
    private let makeDecoder: @Sendable () -> JSONDecoder

    /// Creates a JSON codec.
    ///
    /// - Parameters:
    ///   - makeEncoder: Returns the encoder to use, configured as you need (key strategy, dates…).
    ///     Default: a plain `JSONEncoder` with sorted keys.
    ///   - makeDecoder: Returns the decoder to use. Default: a plain `JSONDecoder`.
    public init(
        makeEncoder: @escaping @Sendable () -> JSONEncoder = {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return encoder
        },
        makeDecoder: @escaping @Sendable () -> JSONDecoder = { JSONDecoder() }
    ) {
        self.makeEncoder = makeEncoder
        self.makeDecoder = makeDecoder
    }

    public func encode<Value: Encodable>(_ value: Value) throws(MessagingError) -> Data {
        do {
            return try makeEncoder().encode(value)
        } catch {
            throw MessagingError(.encodingFailed, "Could not encode \(Value.self) as JSON.", underlying: error)
        }
    }

    public func decode<Value: Decodable>(_ type: Value.Type, from data: Data) throws(MessagingError) -> Value {
        do {
            return try makeDecoder().decode(type, from: data)
        } catch let error as DecodingError {
            throw MessagingError(
                .decodingFailed,
                "Payload is not a valid \(Value.self): \(Self.describe(error))",
                underlying: error
            )
        } catch {
            throw MessagingError(.decodingFailed, "Payload is not a valid \(Value.self).", underlying: error)
        }
    }

    /// Says which field failed and why, in one line.
    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let names = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return names.isEmpty ? "the top level" : "'" + names.joined(separator: ".") + "'"
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = context.codingPath.isEmpty ? "" : " in \(path(context))"
            return "missing field '\(key.stringValue)'\(parent)."
        case .typeMismatch(let type, let context):
            return "field \(path(context)) is not a \(type)."
        case .valueNotFound(let type, let context):
            return "field \(path(context)) is null; expected \(type)."
        case .dataCorrupted(let context):
            return "\(path(context)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}

extension MessageCodec where Self == JSONMessageCodec {
    /// The default JSON codec.
    public static var json: JSONMessageCodec { JSONMessageCodec() }
}
