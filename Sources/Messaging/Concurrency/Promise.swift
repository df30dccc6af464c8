import Synchronization

/// A value that arrives once, or an error, that tasks wait for.
///
/// The first ``succeed(_:)`` or ``fail(_:)`` wins; later ones do nothing. Waiting is
/// cancellable: a cancelled waiter throws `CancellationError`.
package final class Promise<Value: Sendable>: Sendable {
    private struct State {
        var outcome: Result<Value, any Error>?
        var waiters = ContinuationList<Value, any Error>()
    }

    private let state = Mutex(State())

    /// A promise not yet fulfilled.
    package init() {}

    /// Fulfils the promise with `value`.
    package func succeed(_ value: Value) {
        settle(.success(value))
    }

    /// Fails the promise with `error`.
    package func fail(_ error: any Error) {
        settle(.failure(error))
    }

    /// Waits for the value, or throws the error the promise failed with.
    package func value() async throws -> Value {
        let ticket = state.withLock { $0.waiters.nextTicket() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Value, any Error>) in
                let outcome = state.withLock { state -> Result<Value, any Error>? in
                    if let outcome = state.outcome { return outcome }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    state.waiters.append(continuation, ticket: ticket)
                    return nil
                }
                if let outcome {
                    continuation.resume(with: outcome)
                }
            }
        } onCancel: {
            state.withLock { $0.waiters.remove(ticket) }?.resume(throwing: CancellationError())
        }
    }

    private func settle(_ outcome: Result<Value, any Error>) {
        let waiters = state.withLock { state -> [CheckedContinuation<Value, any Error>] in
            guard state.outcome == nil else { return [] }
            state.outcome = outcome
            return state.waiters.takeAll()
        }
        for waiter in waiters {
            waiter.resume(with: outcome)
        }
    }
}

/// A one-shot event: it opens once, or fails once, and then stays so.
package typealias Gate = Promise<Void>

extension Promise where Value == Void {
    /// Opens the gate, releasing every waiter.
    package func open() {
        succeed(())
    }

    /// Returns once the gate opens, or throws the error it failed with.
    package func wait() async throws {
        try await value()
    }
}
