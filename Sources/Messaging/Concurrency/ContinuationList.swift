/// The continuations of the tasks waiting for one thing, each under a ticket of its own.
///
/// The list holds no lock: its owner keeps it inside its own lock, adds a waiter there, and
/// resumes what ``takeAll()`` or ``remove(_:)`` returned once the lock is released. A waiter
/// whose task is cancelled is removed by its ticket.
package struct ContinuationList<Value, Failure: Error> {
    private var waiters: [Int: CheckedContinuation<Value, Failure>] = [:]
    private var lastTicket = 0

    /// An empty list.
    package init() {}

    /// Whether no task is waiting.
    package var isEmpty: Bool { waiters.isEmpty }

    /// The number of tasks waiting.
    package var count: Int { waiters.count }

    /// Adds `continuation` and returns its ticket.
    @discardableResult
    package mutating func append(_ continuation: CheckedContinuation<Value, Failure>) -> Int {
        lastTicket += 1
        waiters[lastTicket] = continuation
        return lastTicket
    }

    /// A ticket for a waiter not added yet; ``append(_:ticket:)`` adds it under that ticket.
    package mutating func nextTicket() -> Int {
        lastTicket += 1
        return lastTicket
    }

    /// Adds `continuation` under `ticket`, which ``nextTicket()`` gave.
    package mutating func append(_ continuation: CheckedContinuation<Value, Failure>, ticket: Int) {
        waiters[ticket] = continuation
    }

    /// Removes and returns the waiter of `ticket`, if it is still waiting.
    package mutating func remove(_ ticket: Int) -> CheckedContinuation<Value, Failure>? {
        waiters.removeValue(forKey: ticket)
    }

    /// Removes and returns every waiter, to resume once the owner's lock is released.
    package mutating func takeAll() -> [CheckedContinuation<Value, Failure>] {
        defer { waiters = [:] }
        return Array(waiters.values)
    }
}
