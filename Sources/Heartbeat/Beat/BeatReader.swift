#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Reads a beat from its JSON in one pass over the bytes, without `JSONDecoder`: the monitor's
/// way through the beats of thousands of instances.
///
/// It reads what an emitter writes — plain strings, numbers, `null`, the fields of ``Beat`` and
/// ``CheckResult`` in any order — and gives up, returning `nil`, on anything it is not sure
/// reads exactly as `JSONDecoder` reads it: an escape or a byte outside ASCII in a string, a
/// number `Double` does not hold exactly as written, a key twice, a value of the wrong type, an
/// unknown key holding an object or an array. The caller then decodes the payload with
/// `JSONDecoder`, which either reads it or names what is wrong.
struct BeatReader {
    private let bytes: [UInt8]
    private var index = 0

    /// The beat in `payload`, or `nil` when the payload is not one this reader is sure of.
    static func beat(in payload: Data) -> Beat? {
        var reader = BeatReader(bytes: Array(payload))
        guard let beat = reader.readBeat() else {
            return nil
        }
        reader.skipWhitespace()
        return reader.index == reader.bytes.count ? beat : nil
    }

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    // MARK: - Beat and check

    private mutating func readBeat() -> Beat? {
        var service: String?
        var instanceID: String?
        var host: String?
        var sequence: UInt64?
        var startTime: Double?
        var intervalSeconds: Double?
        var status: Beat.Status?
        var checks: [CheckResult]?
        var checksSeen = false
        var time: Double?
        let complete = readObject { reader, key in
            switch key {
            case "service": return Self.once(&service, reader.readString())
            case "instanceID": return Self.once(&instanceID, reader.readString())
            case "host": return Self.once(&host, reader.readString())
            case "sequence": return Self.once(&sequence, reader.readUInt64())
            case "startTime": return Self.once(&startTime, reader.readDouble())
            case "intervalSeconds": return Self.once(&intervalSeconds, reader.readDouble())
            case "status": return Self.once(&status, reader.readString().flatMap(Beat.Status.init(rawValue:)))
            case "time": return Self.once(&time, reader.readDouble())
            case "checks":
                guard !checksSeen else { return false }
                checksSeen = true
                if reader.readNull() {
                    return true
                }
                checks = reader.readChecks()
                return checks != nil
            default: return reader.skipScalar()
            }
        }
        guard complete, let service, let instanceID, let host, let sequence, let startTime, let intervalSeconds,
            let status, let time, let milliseconds = Int64(exactly: (intervalSeconds * 1000).rounded())
        else {
            return nil
        }
        return Beat(
            service: service,
            instanceID: instanceID,
            host: host,
            sequence: sequence,
            startTime: Date(timeIntervalSinceReferenceDate: startTime),
            interval: .milliseconds(milliseconds),
            status: status,
            checks: checks ?? [],
            time: Date(timeIntervalSinceReferenceDate: time)
        )
    }

    private mutating func readChecks() -> [CheckResult]? {
        guard consume(UInt8(ascii: "[")) else {
            return nil
        }
        var checks: [CheckResult] = []
        skipWhitespace()
        if consume(UInt8(ascii: "]")) {
            return checks
        }
        repeat {
            guard let check = readCheck() else {
                return nil
            }
            checks.append(check)
            skipWhitespace()
        } while consume(UInt8(ascii: ","))
        return consume(UInt8(ascii: "]")) ? checks : nil
    }

    private mutating func readCheck() -> CheckResult? {
        var name: String?
        var kind: HealthCheck.Kind?
        var status: HealthStatus?
        var observedValue: Double??
        var observedUnit: String??
        var output: String??
        var time: Double?
        let complete = readObject { reader, key in
            switch key {
            case "name": return Self.once(&name, reader.readString())
            case "kind": return Self.once(&kind, reader.readString().flatMap(HealthCheck.Kind.init(rawValue:)))
            case "status": return Self.once(&status, reader.readString().flatMap(HealthStatus.init(rawValue:)))
            case "observedValue": return Self.once(&observedValue, reader.readOptional { $0.readDouble() })
            case "observedUnit": return Self.once(&observedUnit, reader.readOptional { $0.readString() })
            case "output": return Self.once(&output, reader.readOptional { $0.readString() })
            case "time": return Self.once(&time, reader.readDouble())
            default: return reader.skipScalar()
            }
        }
        guard complete, let name, let kind, let status, let time else {
            return nil
        }
        return CheckResult(
            name: name,
            kind: kind,
            status: status,
            observedValue: observedValue ?? nil,
            observedUnit: observedUnit ?? nil,
            output: output ?? nil,
            time: Date(timeIntervalSinceReferenceDate: time)
        )
    }

    /// Stores `value` in `field` if it was read and the field is still empty.
    private static func once<Value>(_ field: inout Value?, _ value: Value?) -> Bool {
        guard field == nil, let value else {
            return false
        }
        field = value
        return true
    }

    // MARK: - JSON

    /// Reads an object, calling `member` with each key once the reader stands on its value;
    /// `member` reads the value and says whether it could.
    private mutating func readObject(_ member: (inout BeatReader, String) -> Bool) -> Bool {
        skipWhitespace()
        guard consume(UInt8(ascii: "{")) else {
            return false
        }
        skipWhitespace()
        if consume(UInt8(ascii: "}")) {
            return true
        }
        repeat {
            skipWhitespace()
            guard let key = readString() else {
                return false
            }
            skipWhitespace()
            guard consume(UInt8(ascii: ":")) else {
                return false
            }
            skipWhitespace()
            guard member(&self, key) else {
                return false
            }
            skipWhitespace()
        } while consume(UInt8(ascii: ","))
        return consume(UInt8(ascii: "}"))
    }

    /// `null` as `.some(nil)`, otherwise what `read` reads; `nil` when neither reads.
    private mutating func readOptional<Value>(_ read: (inout BeatReader) -> Value?) -> Value?? {
        if readNull() {
            return .some(nil)
        }
        return read(&self).map { .some($0) }
    }

    /// A string of ASCII characters other than `"`, `\` and controls.
    private mutating func readString() -> String? {
        guard consume(UInt8(ascii: "\"")) else {
            return nil
        }
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return String(decoding: bytes[start..<(index - 1)], as: UTF8.self)
            }
            guard byte >= 0x20, byte < 0x80, byte != UInt8(ascii: "\\") else {
                return nil
            }
            index += 1
        }
        return nil
    }

    /// Digits only, no leading zero, within `UInt64`.
    private mutating func readUInt64() -> UInt64? {
        let start = index
        var value: UInt64 = 0
        while index < bytes.count, let digit = Self.digit(bytes[index]) {
            let (times, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, carry) = times.addingReportingOverflow(UInt64(digit))
            guard !overflow, !carry else {
                return nil
            }
            value = sum
            index += 1
        }
        guard index > start, bytes[start] != UInt8(ascii: "0") || index == start + 1, !runsOn() else {
            return nil
        }
        return value
    }

    /// A number in JSON's grammar whose value is finite.
    private mutating func readDouble() -> Double? {
        let start = index
        _ = consume(UInt8(ascii: "-"))
        let integer = index
        guard skipDigits() > 0, bytes[integer] != UInt8(ascii: "0") || index == integer + 1 else {
            return nil
        }
        if consume(UInt8(ascii: ".")), skipDigits() == 0 {
            return nil
        }
        if consume(UInt8(ascii: "e")) || consume(UInt8(ascii: "E")) {
            _ = consume(UInt8(ascii: "+")) || consume(UInt8(ascii: "-"))
            guard skipDigits() > 0 else {
                return nil
            }
        }
        guard !runsOn(), let value = Double(String(decoding: bytes[start..<index], as: UTF8.self)),
            value.isFinite
        else {
            return nil
        }
        return value
    }

    private mutating func readNull() -> Bool {
        skipWord("null")
    }

    /// Skips the value of a key the reader does not know, if it is a string, a number, `true`,
    /// `false` or `null`.
    private mutating func skipScalar() -> Bool {
        guard index < bytes.count else {
            return false
        }
        switch bytes[index] {
        case UInt8(ascii: "\""): return readString() != nil
        case UInt8(ascii: "t"): return skipWord("true")
        case UInt8(ascii: "f"): return skipWord("false")
        case UInt8(ascii: "n"): return readNull()
        default: return readDouble() != nil
        }
    }

    private mutating func skipWord(_ word: String) -> Bool {
        let count = word.utf8.count
        guard bytes.count - index >= count, bytes[index..<(index + count)].elementsEqual(word.utf8) else {
            return false
        }
        index += count
        return !runsOn()
    }

    /// Whether a letter, a digit, a sign or a point follows what was read: `truex`, `12a`, `1-`.
    private func runsOn() -> Bool {
        guard index < bytes.count else {
            return false
        }
        let byte = bytes[index]
        return Self.digit(byte) != nil || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z"))
            || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
    }

    private mutating func skipDigits() -> Int {
        let start = index
        while index < bytes.count, Self.digit(bytes[index]) != nil {
            index += 1
        }
        return index - start
    }

    private mutating func skipWhitespace() {
        while index < bytes.count,
            bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09
        {
            index += 1
        }
    }

    private mutating func consume(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else {
            return false
        }
        index += 1
        return true
    }

    private static func digit(_ byte: UInt8) -> UInt8? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? byte - UInt8(ascii: "0") : nil
    }
}
