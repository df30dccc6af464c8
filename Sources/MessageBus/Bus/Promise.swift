import Synchronization

/// A value that arrives once, or an error, that tasks wait for.
///
/// The first ``succeed(_:)`` or ``fail(_:)`` wins; later ones do nothing. Waiting is
/// cancellable: a cancelled waiter throws `CancellationError`.
final class Promise<Value: Sendable>: Sendable {
    private struct State {
        var outcome: Result<Value, any Error>?
        var waiters: [Int: CheckedContinuation<Value, any Error>] = [:]
        var nextWaiter = 0
    }

    private let state = Mutex(State())

    /// Fulfils the promise with `value`.
    func succeed(_ value: Value) {
        settle(.success(value))
    }

    /// Fails the promise with `error`.
    func fail(_ error: any Error) {
        settle(.failure(error))
    }

    /// Waits for the value, or throws the error the promise failed with.
    func value() async throws -> Value {
        let id = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Value, any Error>) in
                let outcome = state.withLock { state -> Result<Value, any Error>? in
                    if let outcome = state.outcome { return outcome }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    state.waiters[id] = continuation
                    return nil
                }
                if let outcome {
                    continuation.resume(with: outcome)
                }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume(throwing: CancellationError())
        }
    }

    private func settle(_ outcome: Result<Value, any Error>) {
        let waiters = state.withLock { state -> [CheckedContinuation<Value, any Error>] in
            guard state.outcome == nil else { return [] }
            state.outcome = outcome
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters {
            waiter.resume(with: outcome)
        }
    }
}

/// A one-shot event: it opens once, or fails once, and then stays so.
typealias Gate = Promise<Void>

extension Promise where Value == Void {
    /// Opens the gate, releasing every waiter.
    func open() {
        succeed(())
    }

    /// Returns once the gate opens, or throws the error it failed with.
    func wait() async throws {
        try await value()
    }
}
