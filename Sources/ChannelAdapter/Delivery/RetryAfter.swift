import Foundation

/// Reads the value of an HTTP `Retry-After` header (RFC 9110, section 10.2.3).
public enum RetryAfter {
    /// The wait a `Retry-After` value asks for: a number of seconds, or an HTTP date less the
    /// current time (zero for a date past).
    ///
    /// - Parameters:
    ///   - value: The header's value, such as `120` or `Wed, 21 Oct 2015 07:28:00 GMT`.
    ///   - now: The current time, for a date.
    /// - Returns: The wait, or `nil` when the value is neither a non-negative whole number nor
    ///   an HTTP date in one of the three formats RFC 9110 allows.
    public static func delay(from value: String, now: Date) -> Duration? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if !text.isEmpty, text.allSatisfy(\.isASCII), text.allSatisfy(\.isNumber) {
            return Int64(text).map { .seconds($0) } ?? .seconds(Int64.max)
        }
        // asctime pads a one-digit day with a second space.
        let date = text.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        for format in dateFormats {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = format
            if let date = formatter.date(from: date) {
                let seconds = max(0, date.timeIntervalSince(now))
                return .seconds(seconds.rounded(.up))
            }
        }
        return nil
    }

    /// IMF-fixdate, the obsolete RFC 850 format, and ANSI C's asctime format.
    private static let dateFormats = [
        "EEE, dd MMM yyyy HH:mm:ss 'GMT'",
        "EEEE, dd-MMM-yy HH:mm:ss 'GMT'",
        "EEE MMM d HH:mm:ss yyyy",
    ]
}
