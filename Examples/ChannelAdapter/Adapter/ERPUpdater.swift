import ChannelAdapter
import ExampleSupport
import Logging
import MessageBus
import Messaging

/// Brings each confirmation to the ERP: `PUT /orders/{id}/status`, sent with the confirmation's
/// message id as `Idempotency-Key`, so an update sent twice — a retry after a lost answer, a
/// redelivery — is applied once.
///
/// A 2xx is done. A 408, 429, 5xx or a failed connection is tried again after the policy's
/// wait, or the ERP's `Retry-After` when longer, each retry logged as a warning. Any other
/// answer, or the tries running out, sets the confirmation aside on `confirmations.dead` with a
/// notification. Confirmations of different orders are updated concurrently, those of one order
/// in order.
struct ERPUpdater: Sendable {
    /// Where confirmations the ERP refused go.
    static let deadLetterTopic = Topics.confirmations + ".dead"

    let erp: ERPClient
    let policy: DeliveryPolicy
    let logger: Logger
    /// Waits between tries.
    let sleep: @Sendable (Duration) async throws -> Void

    /// Registers the updater on `bus`, as the consumer group `adapter` of ``Topics/confirmations``.
    func register(on bus: Bus, notifier: (any Notifier)?) throws {
        let deadLetters = DeadLetterChannel(topic: Self.deadLetterTopic, notifier: notifier) { error in
            error is ChannelAdapterError
        }
        try bus.consume(
            Confirmation.self,
            from: Topics.confirmations,
            group: "adapter",
            name: "update-erp",
            options: Bus.HandlerOptions(concurrency: 8),
            middleware: [deadLetters]
        ) { confirmation, context in
            try await deliver(confirmation, key: context.delivery.message.id)
        }
    }

    /// Sends `confirmation` to the ERP until it is taken, or throws the `ChannelAdapterError`
    /// for which it is not.
    func deliver(_ confirmation: Confirmation, key: String) async throws {
        var attempt = 0
        while true {
            attempt += 1
            let decision: DeliveryDecision
            do {
                let answer = try await erp.updateStatus(
                    of: confirmation.orderID,
                    body: confirmation.statusUpdate,
                    idempotencyKey: key
                )
                decision = policy.decision(
                    statusCode: answer.status,
                    retryAfter: answer.headers.first(name: "Retry-After"),
                    attempt: attempt
                )
            } catch let error as CancellationError {
                throw error
            } catch {
                decision = policy.decision(error: error, attempt: attempt)
            }
            switch decision {
            case .delivered:
                logger.info(
                    "ERP updated: order \(confirmation.orderID) \(confirmation.system) \(confirmation.status)",
                    metadata: ["attempts": "\(attempt)"]
                )
                return
            case .retry(let delay):
                logger.warning(
                    "ERP update of order \(confirmation.orderID) failed; trying again",
                    metadata: ["attempt": "\(attempt)", "delay": "\(delay)", "idempotency-key": "\(key)"]
                )
                try await sleep(delay)
            case .deadLetter(var error):
                error.item = String(confirmation.orderID)
                throw error
            }
        }
    }
}
