import Foundation

/// RFC 3339 timestamps, the form CloudEvents gives `time`, written and read without Foundation's
/// calendar machinery: both run once per record, and `Date.ISO8601FormatStyle` costs more than
/// producing the record.
///
/// Writing gives UTC with milliseconds (`2026-11-23T18:00:00.123Z`). Reading takes any RFC 3339
/// date-time: `T` or `t`, any number of fractional digits, `Z`, `z` or a `±HH:MM` offset.
enum RFC3339 {
    private static let millisecondsPerDay: Int64 = 86_400_000

    /// The last timestamp written, kept to be written again: a batch's messages are usually made
    /// within one millisecond, and the producer writes their times one after another.
    struct Recent {
        private var milliseconds: Int64?
        /// The text, in its first 24 bytes: a vector is stored inline and, unlike `InlineArray`,
        /// is there on macOS 15.
        private var text = SIMD32<UInt8>()

        /// Calls `body` with the UTF-8 bytes of `date` in UTC with milliseconds, written again
        /// only when its millisecond is not the last one's; the bytes are valid only during the
        /// call.
        mutating func withFormatted<Result>(_ date: Date, _ body: (UnsafeRawBufferPointer) -> Result) -> Result {
            let milliseconds = RFC3339.milliseconds(of: date)
            if milliseconds != self.milliseconds {
                guard RFC3339.write(milliseconds, into: &text) else {
                    self.milliseconds = nil
                    var text = Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(date)
                    return text.withUTF8 { body(UnsafeRawBufferPointer($0)) }
                }
                self.milliseconds = milliseconds
            }
            return withUnsafeBytes(of: text) { body(UnsafeRawBufferPointer(rebasing: $0.prefix(24))) }
        }
    }

    /// `date`'s milliseconds since 1970. Truncated to the millisecond, except that a value within
    /// binary rounding error (a microsecond, or a few units in the last place for far dates) of a
    /// whole millisecond is that millisecond: -0.001 s is -1.000…02 ms in binary.
    private static func milliseconds(of date: Date) -> Int64 {
        let scaled = date.timeIntervalSince1970 * 1000
        let nearest = scaled.rounded()
        let tolerance = max(0.001, 4 * scaled.ulp)
        return Int64(abs(scaled - nearest) < tolerance ? nearest : scaled.rounded(.down))
    }

    /// Writes `milliseconds` since 1970 as `YYYY-MM-DDTHH:MM:SS.mmmZ` into the first 24 bytes of
    /// `text`; returns `false`, writing nothing, for a year outside 0...9999, which needs more
    /// digits or a sign.
    private static func write(_ milliseconds: Int64, into text: inout SIMD32<UInt8>) -> Bool {
        let days = milliseconds >= 0 ? milliseconds / millisecondsPerDay : (milliseconds + 1) / millisecondsPerDay - 1
        let (year, month, day) = civil(fromDays: days)
        guard (0...9999).contains(year) else { return false }
        let time = milliseconds - days * millisecondsPerDay
        func put(_ value: Int64, digits: Int, at start: Int) {
            var value = value
            for index in stride(from: start + digits - 1, through: start, by: -1) {
                text[index] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            }
        }
        put(year, digits: 4, at: 0)
        text[4] = UInt8(ascii: "-")
        put(month, digits: 2, at: 5)
        text[7] = UInt8(ascii: "-")
        put(day, digits: 2, at: 8)
        text[10] = UInt8(ascii: "T")
        put(time / 3_600_000, digits: 2, at: 11)
        text[13] = UInt8(ascii: ":")
        put(time / 60_000 % 60, digits: 2, at: 14)
        text[16] = UInt8(ascii: ":")
        put(time / 1000 % 60, digits: 2, at: 17)
        text[19] = UInt8(ascii: ".")
        put(time % 1000, digits: 3, at: 20)
        text[23] = UInt8(ascii: "Z")
        return true
    }

    /// `date` in UTC with milliseconds.
    static func format(_ date: Date) -> String {
        var recent = Recent()
        return recent.withFormatted(date) { String(decoding: $0, as: UTF8.self) }
    }

    /// The instant `text` names, or `nil` when it is not an RFC 3339 date-time.
    static func parse(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { parse(UnsafeRawBufferPointer($0)) }
    }

    /// The instant `bytes` name, or `nil` when they are not an RFC 3339 date-time.
    static func parse(_ bytes: UnsafeRawBufferPointer) -> Date? {
        var reader = Reader(bytes: bytes)
        guard let year = reader.number(4), reader.skip("-"), let month = reader.number(2), reader.skip("-"),
            let day = reader.number(2), reader.skip("T") || reader.skip("t"), let hour = reader.number(2),
            reader.skip(":"), let minute = reader.number(2), reader.skip(":"), let second = reader.number(2),
            (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day), hour < 24, minute < 60,
            second <= 60
        else { return nil }
        var nanoseconds: Int64 = 0
        if reader.skip(".") {
            var digits = 0
            while let digit = reader.digit() {
                if digits < 9 {
                    nanoseconds = nanoseconds * 10 + digit
                }
                digits += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 9) {
                nanoseconds *= 10
            }
        }
        var offsetMinutes: Int64 = 0
        if !(reader.skip("Z") || reader.skip("z")) {
            let sign: Int64
            if reader.skip("+") {
                sign = 1
            } else if reader.skip("-") {
                sign = -1
            } else {
                return nil
            }
            guard let hours = reader.number(2), reader.skip(":"), let minutes = reader.number(2), hours < 24,
                minutes < 60
            else { return nil }
            offsetMinutes = sign * (hours * 60 + minutes)
        }
        guard reader.isAtEnd else { return nil }
        let seconds =
            days(fromYear: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second - offsetMinutes
            * 60
        return Date(timeIntervalSince1970: Double(seconds) + Double(nanoseconds) / 1e9)
    }

    // MARK: - Civil dates (proleptic Gregorian, days since 1970-01-01)

    private static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func days(fromYear year: Int64, month: Int64, day: Int64) -> Int64 {
        let year = month <= 2 ? year - 1 : year
        let era = (year >= 0 ? year : year - 399) / 400
        let yearOfEra = year - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Reads ASCII digits and punctuation from the front of a buffer.
    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var position = 0

        var isAtEnd: Bool { position == bytes.count }

        mutating func skip(_ character: Unicode.Scalar) -> Bool {
            guard position < bytes.count, bytes[position] == UInt8(ascii: character) else { return false }
            position += 1
            return true
        }

        mutating func digit() -> Int64? {
            guard position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) else {
                return nil
            }
            defer { position += 1 }
            return Int64(bytes[position] - UInt8(ascii: "0"))
        }

        mutating func number(_ digits: Int) -> Int64? {
            var value: Int64 = 0
            for _ in 0..<digits {
                guard let digit = digit() else { return nil }
                value = value * 10 + digit
            }
            return value
        }
    }
}
