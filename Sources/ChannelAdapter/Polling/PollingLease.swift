#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The record of which instance may poll a shared cursor, and until when: the value of the
/// cursor `<name>/lease` of a ``CursorStore``, as `<expiry> <instance>` with the expiry in
/// seconds since 1970.
struct PollingLease: Equatable {
    /// The instance holding the lease.
    var instance: String
    /// When the lease ends unless renewed.
    var expiry: Date

    /// The lease `text` records, or `nil` when it records none.
    init?(_ text: String) {
        guard let space = text.firstIndex(of: " "), let seconds = Double(text[..<space]) else { return nil }
        self.instance = String(text[text.index(after: space)...])
        self.expiry = Date(timeIntervalSince1970: seconds)
    }

    /// A lease held by `instance` until `expiry`.
    init(instance: String, expiry: Date) {
        self.instance = instance
        self.expiry = expiry
    }

    /// The lease as the store keeps it.
    var text: String {
        "\(expiry.timeIntervalSince1970) \(instance)"
    }

    /// Whether an instance other than `instance` holds the lease at `now`.
    func excludes(_ instance: String, at now: Date) -> Bool {
        self.instance != instance && expiry > now
    }
}
