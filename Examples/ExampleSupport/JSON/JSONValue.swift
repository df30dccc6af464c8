import Foundation

/// A JSON document written the way the course's Python applications write it: keys in the
/// order given, four-space indentation, and every `Double` with its fraction (`1200.0`, not
/// `1200`).
///
/// Foundation's `JSONEncoder` and `JSONSerialization` both write a whole-number `Double` without
/// its fraction, so the seed's responses could not be reproduced with them; this small writer
/// renders numbers with Swift's shortest round-tripping form, which is also Python's.
public enum JSONValue: Sendable, Equatable {
    /// A string, escaped as JSON escapes it (`/` left alone).
    case string(String)
    /// A whole number, written without a fraction.
    case integer(Int)
    /// A number, written with its fraction (`1200.0`); `null` when not finite.
    case number(Double)
    /// `true` or `false`.
    case bool(Bool)
    /// `null`.
    case null
    /// An array, one element per line.
    case array([JSONValue])
    /// An object, its keys in the order given.
    case object([(String, JSONValue)])

    /// Two documents are equal when they are written alike.
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        lhs.text == rhs.text
    }

    /// The document, indented, ending without a newline.
    public var text: String {
        var output = ""
        write(into: &output, indent: 0)
        return output
    }

    private func write(into output: inout String, indent: Int) {
        let padding = String(repeating: " ", count: 4 * (indent + 1))
        let closing = String(repeating: " ", count: 4 * indent)
        switch self {
        case .string(let value):
            output += Self.quoted(value)
        case .integer(let value):
            output += String(value)
        case .number(let value):
            output += value.isFinite ? "\(value)" : "null"
        case .bool(let value):
            output += value ? "true" : "false"
        case .null:
            output += "null"
        case .array(let values):
            guard !values.isEmpty else {
                output += "[]"
                return
            }
            output += "[\n"
            for (index, value) in values.enumerated() {
                output += padding
                value.write(into: &output, indent: indent + 1)
                output += index < values.count - 1 ? ",\n" : "\n"
            }
            output += closing + "]"
        case .object(let fields):
            guard !fields.isEmpty else {
                output += "{}"
                return
            }
            output += "{\n"
            for (index, (key, value)) in fields.enumerated() {
                output += padding + Self.quoted(key) + ": "
                value.write(into: &output, indent: indent + 1)
                output += index < fields.count - 1 ? ",\n" : "\n"
            }
            output += closing + "}"
        }
    }

    /// A JSON string literal; `JSONEncoder` does the escaping.
    private static func quoted(_ value: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(value), as: UTF8.self)) ?? "\"\""
    }
}
