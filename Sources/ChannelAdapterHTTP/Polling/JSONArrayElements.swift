#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Where each element of a JSON array lies in a document: what lets a polled item's message
/// carry the bytes its source sent (`PolledJSON`) without encoding the item again.
///
/// It reads a document `JSONDecoder` has accepted already, so it only follows the structure —
/// strings with their escapes, nested objects and arrays — and checks nothing else; anything it
/// does not expect makes it return `nil`, never a wrong range.
struct JSONArrayElements {
    private let bytes: [UInt8]
    private var index = 0

    private init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The byte ranges of the elements of the array that is `document`, or, with `key`, the
    /// array that is the value of `key` in the document's top-level object; `nil` when there is
    /// no such array.
    static func ranges(in document: [UInt8], key: String?) -> [Range<Int>]? {
        var scanner = JSONArrayElements(document)
        guard let key else { return scanner.elements() }
        guard scanner.moveToValue(of: Array(key.utf8)) else { return nil }
        return scanner.elements()
    }

    private static let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")

    /// Moves to the value of `key` in the top-level object; returns whether it is there.
    private mutating func moveToValue(of key: [UInt8]) -> Bool {
        guard take(UInt8(ascii: "{")) else { return false }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == Self.quote else { return false }
            let start = index
            guard skipString() else { return false }
            let name = bytes[(start + 1)..<(index - 1)]
            guard take(UInt8(ascii: ":")) else { return false }
            if Self.name(name, equals: key) { return true }
            guard skipValue() else { return false }
            guard take(UInt8(ascii: ",")) else { return false }
        }
    }

    /// Whether a key as written in the document, escapes included, is `key`.
    private static func name(_ written: ArraySlice<UInt8>, equals key: [UInt8]) -> Bool {
        guard written.contains(backslash) else { return written.elementsEqual(key) }
        let unescaped = try? JSONDecoder().decode(String.self, from: Data([quote] + written + [quote]))
        return unescaped.map { Array($0.utf8) == key } ?? false
    }

    /// The ranges of the elements of the array that starts here.
    private mutating func elements() -> [Range<Int>]? {
        guard take(UInt8(ascii: "[")) else { return nil }
        var ranges: [Range<Int>] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") { return ranges }
        while true {
            skipWhitespace()
            let start = index
            guard skipValue() else { return nil }
            ranges.append(start..<index)
            skipWhitespace()
            guard index < bytes.count else { return nil }
            switch bytes[index] {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"): return ranges
            default: return nil
            }
        }
    }

    /// Skips whitespace, then `byte`; returns whether it was there.
    private mutating func take(_ byte: UInt8) -> Bool {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    private mutating func skipWhitespace() {
        while index < bytes.count,
            bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09
        {
            index += 1
        }
    }

    /// Skips the string that starts here, quotes included.
    private mutating func skipString() -> Bool {
        index += 1
        while index < bytes.count {
            let byte = bytes[index]
            index += byte == Self.backslash ? 2 : 1
            if byte == Self.quote { return true }
        }
        return false
    }

    /// Skips the value that starts here: a string, an object or array with everything in it, or
    /// a number or literal.
    private mutating func skipValue() -> Bool {
        skipWhitespace()
        guard index < bytes.count else { return false }
        switch bytes[index] {
        case Self.quote:
            return skipString()
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            repeat {
                guard index < bytes.count else { return false }
                switch bytes[index] {
                case Self.quote:
                    guard skipString() else { return false }
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
                default: break
                }
                index += 1
            } while depth > 0
            return true
        default:
            let start = index
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}"), 0x20, 0x0A, 0x0D, 0x09:
                    return index > start
                default: index += 1
                }
            }
            return index > start
        }
    }
}
