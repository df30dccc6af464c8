import Messaging
import Synchronization

/// The deliveries an ``HTTPGateway`` holds, in one queue per key: the head of each queue is
/// being delivered, the rest wait behind it, so one key's messages go one after another.
final class KeyedLanes: Sendable {
    private let queues = Mutex<[String: [Delivery]]>([:])

    /// Queues `delivery` behind the others of `key`.
    ///
    /// - Returns: Whether the key had no queue, so a lane must start delivering it.
    func enqueue(_ delivery: Delivery, key: String) -> Bool {
        queues.withLock { queues in
            if queues[key] != nil {
                queues[key]!.append(delivery)
                return false
            }
            queues[key] = [delivery]
            return true
        }
    }

    /// The delivery at the head of `key`'s queue.
    func head(of key: String) -> Delivery? {
        queues.withLock { $0[key]?.first }
    }

    /// Removes the head of `key`'s queue, once settled, and returns the next; `nil` when the
    /// queue is empty, which removes it.
    func advance(_ key: String) -> Delivery? {
        queues.withLock { queues in
            guard var queue = queues[key] else { return nil }
            queue.removeFirst()
            if queue.isEmpty {
                queues[key] = nil
                return nil
            }
            queues[key] = queue
            return queue.first
        }
    }
}

/// A counting semaphore: at most `count` holders at once; the others wait in order.
final class Permits: Sendable {
    private struct State {
        var available: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state: Mutex<State>

    /// Creates a semaphore of `count` permits.
    init(_ count: Int) {
        state = Mutex(State(available: count))
    }

    /// Waits for a permit. Not cancellable: a permit is held only for one call, which ends on
    /// its timeout or cancellation, so the wait is bounded.
    func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let granted = state.withLock { state in
                if state.available > 0 {
                    state.available -= 1
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if granted {
                continuation.resume()
            }
        }
    }

    /// Gives a permit back, to the longest waiter if there is one.
    func release() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.available += 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        waiter?.resume()
    }
}
