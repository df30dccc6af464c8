import Messaging
import Synchronization

/// Readers waiting until a projection applied given events: what a projection's
/// `waitUntilApplied` is built on.
///
/// A projection calls ``applied(_:)`` with the message ids of each transaction it committed; a
/// reader calls ``wait(for:isApplied:timeout:sleep:)`` with a token's ids.
package final class AppliedEventWaiters: Sendable {
    private let waiting = Mutex<[String: [Promise<Void>]]>([:])

    /// Creates a list with nobody waiting.
    package init() {}

    /// Releases the readers waiting for any of `messageIDs`.
    package func applied(_ messageIDs: some Sequence<String>) {
        let released = waiting.withLock { waiting in
            messageIDs.flatMap { waiting.removeValue(forKey: $0) ?? [] }
        }
        for promise in released {
            promise.succeed(())
        }
    }

    /// Returns once every one of `messageIDs` is applied: at once for those `isApplied` says
    /// are, otherwise when ``applied(_:)`` names them.
    ///
    /// - Throws: ``CQRSError/Code/consistencyTimedOut`` when some are still not applied after
    ///   `timeout`, naming them; ``CQRSError/Code/storeFailed`` when `isApplied` fails.
    package func wait(
        for messageIDs: [String],
        projection: String,
        isApplied: @escaping @Sendable (String) async throws -> Bool,
        timeout: Duration,
        sleep: @escaping @Sendable (Duration) async throws -> Void
    ) async throws(CQRSError) {
        let promises = messageIDs.map { id in
            let promise = Promise<Void>()
            waiting.withLock { $0[id, default: []].append(promise) }
            return (id, promise)
        }
        let outcome: Bool?
        do {
            outcome = try await withDeadline({ try await sleep(timeout) }) {
                for (id, promise) in promises where try await !isApplied(id) {
                    try await promise.value()
                }
                return true
            }
        } catch {
            withdraw(promises)
            throw CQRSError(.storeFailed, "Cannot tell whether '\(projection)' applied the events: \(error)")
        }
        withdraw(promises)
        guard outcome != nil else {
            let remaining = messageIDs.joined(separator: ", ")
            throw CQRSError(
                .consistencyTimedOut,
                "Projection '\(projection)' did not apply the events \(remaining) within \(timeout).",
                isRetriable: true
            )
        }
    }
}

extension AppliedEventWaiters {
    /// Forgets `promises`, whose reader stopped waiting.
    private func withdraw(_ promises: [(String, Promise<Void>)]) {
        waiting.withLock { waiting in
            for (id, promise) in promises {
                waiting[id]?.removeAll { $0 === promise }
                if waiting[id]?.isEmpty == true {
                    waiting[id] = nil
                }
            }
        }
    }

    /// The ids readers wait for now.
    package func waitingIDs() -> [String] {
        waiting.withLock { Array($0.keys) }
    }
}
