#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension JSONSchema {
    /// Whether `payload` is JSON that certainly matches the schema, read in one pass over its
    /// bytes without building any value.
    ///
    /// `false` means "not certainly": the payload may break the schema, or hold something this
    /// quick reading leaves to `JSONDecoder` (an escaped field name, a string with escapes and a
    /// minimum length, a number with a fraction or an exponent where an integer is expected,
    /// a field given twice, nesting deeper than 64). The caller then checks the payload through
    /// ``check(_:)``, which reports what is wrong. Reading the JSON twice through `JSONDecoder`,
    /// once to check it and once to decode it, was a quarter of a typed channel's time per message.
    func admits(_ payload: Data) -> Bool {
        payload.withUnsafeBytes { bytes in
            var scanner = SchemaScanner(bytes: bytes)
            guard scanner.value(self, depth: 0) else { return false }
            scanner.skipWhitespace()
            return scanner.index == bytes.count
        }
    }
}

/// Reads JSON bytes against a schema, answering only whether they certainly match it.
private struct SchemaScanner {
    let bytes: UnsafeRawBufferPointer
    var index = 0

    static let maximumDepth = 64

    init(bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
            index += 1
        }
    }

    private mutating func consume(_ byte: UInt8) -> Bool {
        guard current == byte else { return false }
        index += 1
        return true
    }

    /// Reads one value that `schema` admits; `nil` admits any JSON value.
    mutating func value(_ schema: JSONSchema?, depth: Int) -> Bool {
        skipWhitespace()
        guard let byte = current, depth < Self.maximumDepth else { return false }
        switch schema {
        case .object(let properties, let additional):
            return byte == UInt8(ascii: "{") && object(properties, additional, depth: depth)
        case .array(let items):
            return byte == UInt8(ascii: "[") && array(items, depth: depth)
        case .string(let minLength):
            guard byte == UInt8(ascii: "\""), let text = string(needsText: minLength != nil) else { return false }
            return minLength.map { text.hasEscapes ? false : text.characters >= $0 } ?? true
        case .integer(let minimum):
            guard let number = number(), !number.hasFractionOrExponent, let value = number.integer else {
                return false
            }
            return minimum.map { value >= $0 } ?? true
        case .number(let minimum):
            guard let value = number()?.double else { return false }
            return minimum.map { value >= $0 } ?? true
        case .boolean:
            return literal("true") || literal("false")
        case .bytes, nil:
            return anyValue(depth: depth)
        }
    }

    private mutating func anyValue(depth: Int) -> Bool {
        switch current {
        case UInt8(ascii: "{"): return object([], true, depth: depth)
        case UInt8(ascii: "["): return array(nil, depth: depth)
        case UInt8(ascii: "\""): return string(needsText: false) != nil
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        default: return number() != nil
        }
    }

    private mutating func object(_ properties: [JSONSchema.Property], _ additional: Bool, depth: Int) -> Bool {
        index += 1
        var seen = [Bool](repeating: false, count: properties.count)
        skipWhitespace()
        if !consume(UInt8(ascii: "}")) {
            repeat {
                skipWhitespace()
                guard current == UInt8(ascii: "\""), let key = string(needsText: false), !key.hasEscapes else {
                    return false
                }
                skipWhitespace()
                guard consume(UInt8(ascii: ":")) else { return false }
                let name = UnsafeRawBufferPointer(rebasing: bytes[key.start..<key.end])
                if let position = properties.firstIndex(where: { $0.name.utf8.elementsEqual(name) }) {
                    guard !seen[position], value(properties[position].schema, depth: depth + 1) else { return false }
                    seen[position] = true
                } else {
                    guard additional, value(nil, depth: depth + 1) else { return false }
                }
                skipWhitespace()
            } while consume(UInt8(ascii: ","))
            guard consume(UInt8(ascii: "}")) else { return false }
        }
        for (position, property) in properties.enumerated() where property.isRequired && !seen[position] {
            return false
        }
        return true
    }

    private mutating func array(_ items: JSONSchema?, depth: Int) -> Bool {
        index += 1
        skipWhitespace()
        if consume(UInt8(ascii: "]")) {
            return true
        }
        repeat {
            guard value(items, depth: depth + 1) else { return false }
            skipWhitespace()
        } while consume(UInt8(ascii: ","))
        return consume(UInt8(ascii: "]"))
    }

    /// A string's bytes between its quotes, whether it has escapes, and its length in
    /// characters when asked for.
    struct StringToken {
        var start: Int
        var end: Int
        var hasEscapes: Bool
        var characters: Int
    }

    /// Reads a string; `nil` for one that is not valid JSON or not valid UTF-8.
    private mutating func string(needsText: Bool) -> StringToken? {
        index += 1
        let start = index
        var hasEscapes = false
        var isASCII = true
        while let byte = current {
            switch byte {
            case UInt8(ascii: "\""):
                let end = index
                index += 1
                let slice = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
                if isASCII {
                    return StringToken(
                        start: start,
                        end: end,
                        hasEscapes: hasEscapes,
                        characters: needsText ? end - start : 0
                    )
                }
                guard let text = String(validating: slice, as: UTF8.self) else { return nil }
                return StringToken(
                    start: start,
                    end: end,
                    hasEscapes: hasEscapes,
                    characters: needsText ? text.count : 0
                )
            case UInt8(ascii: "\\"):
                hasEscapes = true
                index += 1
                guard let escaped = current else { return nil }
                if escaped == UInt8(ascii: "u") {
                    for _ in 0..<4 {
                        index += 1
                        guard let digit = current, digit.isHexDigit else { return nil }
                    }
                } else if !"\"\\/bfnrt".utf8.contains(escaped) {
                    return nil
                }
                index += 1
            case 0..<0x20:
                return nil
            default:
                if byte >= 0x80 { isASCII = false }
                index += 1
            }
        }
        return nil
    }

    /// A number's bytes and whether it has a fraction or an exponent.
    struct NumberToken {
        var text: UnsafeRawBufferPointer
        var hasFractionOrExponent: Bool

        /// The number as an `Int`, if it is written as one and fits.
        var integer: Int? {
            var value = 0
            var negative = false
            for (position, byte) in text.enumerated() {
                if position == 0, byte == UInt8(ascii: "-") {
                    negative = true
                    continue
                }
                let digit = Int(byte &- UInt8(ascii: "0"))
                let (shifted, overflowShift) = value.multipliedReportingOverflow(by: 10)
                let (next, overflowAdd) =
                    negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
                guard !overflowShift, !overflowAdd else { return nil }
                value = next
            }
            return value
        }

        var double: Double? {
            Double(String(decoding: text, as: UTF8.self)).flatMap { $0.isFinite ? $0 : nil }
        }
    }

    /// Reads a number as JSON writes it: `-`, an integer without leading zeros, an optional
    /// fraction and exponent.
    private mutating func number() -> NumberToken? {
        let start = index
        _ = consume(UInt8(ascii: "-"))
        guard let first = current, first.isDigit else { return nil }
        index += 1
        if first != UInt8(ascii: "0") {
            skipDigits()
        }
        var hasFractionOrExponent = false
        if consume(UInt8(ascii: ".")) {
            hasFractionOrExponent = true
            guard current?.isDigit == true else { return nil }
            skipDigits()
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            hasFractionOrExponent = true
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") {
                index += 1
            }
            guard current?.isDigit == true else { return nil }
            skipDigits()
        }
        return NumberToken(
            text: UnsafeRawBufferPointer(rebasing: bytes[start..<index]),
            hasFractionOrExponent: hasFractionOrExponent
        )
    }

    private mutating func skipDigits() {
        while current?.isDigit == true {
            index += 1
        }
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] {
            return false
        }
        index += count
        return true
    }
}

extension UInt8 {
    fileprivate var isDigit: Bool { self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9") }
    fileprivate var isHexDigit: Bool {
        isDigit || (self >= UInt8(ascii: "a") && self <= UInt8(ascii: "f"))
            || (self >= UInt8(ascii: "A") && self <= UInt8(ascii: "F"))
    }
}
