import Dispatch
import Messaging

/// Runs librdkafka calls that block (admin requests, metadata, watermarks, committed offsets) on
/// one queue shared by every client, so that no cooperative thread waits on the network and no
/// call starts a thread of its own.
enum RDKafkaBlockingCall {
    private static let queue = DispatchQueue(label: "kafka-blocking-calls", attributes: .concurrent)

    /// Runs `body` on the shared queue and returns its result.
    ///
    /// Cancelling the calling task returns at once with a `MessagingError` of code `timedOut`
    /// naming `what`: librdkafka's call cannot be interrupted, so it goes on until its own timeout
    /// and its result is dropped. A `body` that calls a client captures the client's
    /// ``RDKafkaHandle``, which keeps the client until `body` ends.
    static func run<Value: Sendable>(
        _ what: String,
        _ body: @escaping @Sendable () -> Result<Value, MessagingError>
    ) async throws(MessagingError) -> Value {
        let outcome = Promise<Value>()
        queue.async {
            switch body() {
            case .success(let value): outcome.succeed(value)
            case .failure(let error): outcome.fail(error)
            }
        }
        do {
            return try await outcome.value()
        } catch let error as MessagingError {
            throw error
        } catch {
            throw MessagingError(.timedOut, "\(what) was cancelled.", isRetriable: true)
        }
    }

    /// Runs `body` on the shared queue without waiting for it.
    static func detach(_ body: @escaping @Sendable () -> Void) {
        queue.async(execute: body)
    }
}
