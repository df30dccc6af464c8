/// The continuations of the tasks waiting for one thing, each under a ticket of its own.
///
/// The list holds no lock: its owner keeps it inside its own lock, adds a waiter there, and
/// resumes what ``takeAll()`` or ``remove(_:)`` returned once the lock is released. A waiter
/// whose task is cancelled is removed by its ticket.
///
/// Inlinable, so that a broker that checks for waiters on each message does not pay for a call
/// into another module.
package struct ContinuationList<Value, Failure: Error> {
    @usableFromInline var waiters: [Int: CheckedContinuation<Value, Failure>] = [:]
    @usableFromInline var lastTicket = 0

    /// An empty list.
    @inlinable package init() {}

    /// Whether no task is waiting.
    @inlinable package var isEmpty: Bool { waiters.isEmpty }

    /// The number of tasks waiting.
    @inlinable package var count: Int { waiters.count }

    /// Adds `continuation` and returns its ticket.
    @discardableResult
    @inlinable package mutating func append(_ continuation: CheckedContinuation<Value, Failure>) -> Int {
        lastTicket += 1
        waiters[lastTicket] = continuation
        return lastTicket
    }

    /// A ticket for a waiter not added yet; ``append(_:ticket:)`` adds it under that ticket.
    @inlinable package mutating func nextTicket() -> Int {
        lastTicket += 1
        return lastTicket
    }

    /// Adds `continuation` under `ticket`, which ``nextTicket()`` gave.
    @inlinable package mutating func append(_ continuation: CheckedContinuation<Value, Failure>, ticket: Int) {
        waiters[ticket] = continuation
    }

    /// Removes and returns the waiter of `ticket`, if it is still waiting.
    @inlinable package mutating func remove(_ ticket: Int) -> CheckedContinuation<Value, Failure>? {
        waiters.removeValue(forKey: ticket)
    }

    /// Removes and returns every waiter, to resume once the owner's lock is released.
    @inlinable package mutating func takeAll() -> [CheckedContinuation<Value, Failure>] {
        defer { waiters = [:] }
        return Array(waiters.values)
    }
}
