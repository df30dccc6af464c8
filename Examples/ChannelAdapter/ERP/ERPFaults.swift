import Synchronization

/// Answers the ERP gives its next status updates instead of applying them, as an ERP under
/// maintenance or overload does: set with `POST /faults`, used up one update at a time.
final class ERPFaults: Sendable {
    /// One answer to give instead of applying an update.
    struct Fault: Sendable, Equatable {
        /// The status answered, such as 503.
        var status: Int
        /// The `Retry-After` header's seconds, if any.
        var retryAfter: Int?
    }

    private let pending = Mutex<[Fault]>([])

    /// Creates a list with no faults.
    init() {}

    /// Makes the next `count` status updates answer `status`, with `retryAfter`.
    func inject(status: Int, count: Int, retryAfter: Int?) {
        pending.withLock { $0 += Array(repeating: Fault(status: status, retryAfter: retryAfter), count: count) }
    }

    /// The fault the next update gets, if any, used up.
    func next() -> Fault? {
        pending.withLock { $0.isEmpty ? nil : $0.removeFirst() }
    }
}
