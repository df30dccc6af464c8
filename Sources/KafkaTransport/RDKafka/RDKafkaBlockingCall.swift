import Dispatch
import Messaging
import Synchronization

/// Runs librdkafka calls that block (admin requests, metadata, watermarks, committed offsets) on
/// one queue shared by every client, so that no cooperative thread waits on the network and no
/// call starts a thread of its own.
enum RDKafkaBlockingCall {
    private static let queue = DispatchQueue(label: "kafka-blocking-calls", attributes: .concurrent)

    /// Runs `body` on the shared queue and returns its result.
    ///
    /// Cancelling the calling task returns at once with a `MessagingError` of code `timedOut`
    /// naming `what`: librdkafka's call cannot be interrupted, so it goes on until its own timeout
    /// and its result is dropped.
    static func run<Value: Sendable>(
        _ what: String,
        _ body: @escaping @Sendable () -> Result<Value, MessagingError>
    ) async throws(MessagingError) -> Value {
        let outcome = Outcome<Value>()
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                outcome.wait(with: continuation)
                queue.async {
                    outcome.finish(body())
                }
            }
        } onCancel: {
            outcome.finish(.failure(MessagingError(.timedOut, "\(what) was cancelled.", isRetriable: true)))
        }
        return try result.get()
    }

    /// Runs `body` on the shared queue without waiting for it.
    static func detach(_ body: @escaping @Sendable () -> Void) {
        queue.async(execute: body)
    }

    /// The one result a waiting task gets: whichever of the call's end and a cancellation comes
    /// first.
    private final class Outcome<Value: Sendable>: Sendable {
        private enum State {
            case waiting(CheckedContinuation<Result<Value, MessagingError>, Never>?)
            case finished(Result<Value, MessagingError>?)
        }

        private let state = Mutex(State.waiting(nil))

        func wait(with continuation: CheckedContinuation<Result<Value, MessagingError>, Never>) {
            let early = state.withLock { state -> Result<Value, MessagingError>? in
                switch state {
                case .waiting:
                    state = .waiting(continuation)
                    return nil
                case .finished(let result):
                    state = .finished(nil)
                    return result
                }
            }
            if let early {
                continuation.resume(returning: early)
            }
        }

        func finish(_ result: Result<Value, MessagingError>) {
            let waiter = state.withLock { state -> CheckedContinuation<Result<Value, MessagingError>, Never>? in
                guard case .waiting(let continuation) = state else { return nil }
                state = continuation == nil ? .finished(result) : .finished(nil)
                return continuation
            }
            waiter?.resume(returning: result)
        }
    }
}
