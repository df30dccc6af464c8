import ChannelAdapter
import Foundation
import Messaging
import Testing

@Suite("Delivery policy")
struct DeliveryPolicyTests {
    /// A policy whose waits are exact: 1 s, 2 s, 4 s… up to 60 s.
    static let policy = DeliveryPolicy(
        maximumAttempts: 5,
        backoff: Backoff(initial: .seconds(1), maximum: .seconds(60), jitter: 0),
        maximumDelay: .seconds(300)
    )

    @Test func everyStatusCodeIsClassified() {
        for status in 100...599 {
            let decision = Self.policy.decision(statusCode: status, attempt: 1)
            switch status {
            case 200...299:
                guard case .delivered = decision else {
                    Issue.record("\(status) should be delivered, not \(decision)")
                    continue
                }
            case 408, 429, 500...599:
                #expect(decision.retryDelay == .seconds(1), "\(status)")
                #expect(DeliveryPolicy.isRetriable(statusCode: status))
            default:
                let error = decision.deadLetterError
                #expect(error?.code == .rejected, "\(status)")
                #expect(error?.statusCode == status)
                #expect(error?.isRetriable == false)
                #expect(!DeliveryPolicy.isRetriable(statusCode: status))
            }
        }
    }

    @Test func retriesWaitLongerEachAttemptUntilTheAttemptsRunOut() throws {
        let waits = (1...4).map { Self.policy.decision(statusCode: 503, attempt: $0).retryDelay }
        #expect(waits == [1, 2, 4, 8].map { .seconds($0) })
        let last = try #require(Self.policy.decision(statusCode: 503, attempt: 5).deadLetterError)
        #expect(last.code == .retriesExhausted)
        #expect(last.statusCode == 503)
        #expect(last.reason.contains("5 tries"))
    }

    @Test func aRetryAfterLongerThanTheBackoffIsHonoured() {
        #expect(Self.policy.decision(statusCode: 503, retryAfter: "2", attempt: 1).retryDelay == .seconds(2))
        #expect(Self.policy.decision(statusCode: 429, retryAfter: "120", attempt: 3).retryDelay == .seconds(120))
        // A shorter one does not shorten the backoff.
        #expect(Self.policy.decision(statusCode: 503, retryAfter: "1", attempt: 3).retryDelay == .seconds(4))
        // An unreadable one is ignored.
        #expect(Self.policy.decision(statusCode: 503, retryAfter: "soon", attempt: 1).retryDelay == .seconds(1))
    }

    @Test func aRetryAfterDateIsMeasuredFromNow() {
        let now = Date(timeIntervalSince1970: 1_445_412_470)  // Wed, 21 Oct 2015 07:27:50 GMT
        let decision = Self.policy.decision(
            statusCode: 503,
            retryAfter: "Wed, 21 Oct 2015 07:28:00 GMT",
            attempt: 1,
            now: now
        )
        #expect(decision.retryDelay == .seconds(10))
    }

    @Test func aRetryAfterBeyondTheLongestWaitDeadLetters() throws {
        let error = try #require(Self.policy.decision(statusCode: 503, retryAfter: "86400", attempt: 1).deadLetterError)
        #expect(error.code == .retriesExhausted)
        #expect(error.reason.contains("86400"))
    }

    @Test func aRetryAfterOnAStatusNotRetriedChangesNothing() {
        #expect(Self.policy.decision(statusCode: 400, retryAfter: "2", attempt: 1).deadLetterError?.code == .rejected)
        guard case .delivered = Self.policy.decision(statusCode: 204, retryAfter: "2", attempt: 1) else {
            Issue.record("a 204 should be delivered")
            return
        }
    }

    @Test func errorsAreRetriedUnlessTheySayTheyCannotPass() throws {
        struct ConnectionReset: Error {}
        #expect(Self.policy.decision(error: ConnectionReset(), attempt: 2).retryDelay == .seconds(2))
        let refused = ChannelAdapterError(.connectionFailed, "connection refused", isRetriable: true)
        #expect(Self.policy.decision(error: refused, attempt: 1).retryDelay == .seconds(1))
        let invalid = MessagingError(.invalidMessage, "no body")
        let error = try #require(Self.policy.decision(error: invalid, attempt: 1).deadLetterError)
        #expect(error.code == .rejected)
        #expect(error.underlying is MessagingError)
        let unsendable = ChannelAdapterError(
            .invalidConfiguration,
            "POST http://a b/ cannot be sent",
            isRetriable: false
        )
        let kept = try #require(Self.policy.decision(error: unsendable, attempt: 1).deadLetterError)
        #expect(kept.code == .invalidConfiguration)
        #expect(kept.reason == unsendable.reason)
        let exhausted = try #require(Self.policy.decision(error: ConnectionReset(), attempt: 5).deadLetterError)
        #expect(exhausted.code == .retriesExhausted)
        #expect(exhausted.underlying is ConnectionReset)
    }

    @Test func aPolicyAllowsAtLeastOneAttempt() {
        let policy = DeliveryPolicy(maximumAttempts: 0)
        #expect(policy.maximumAttempts == 1)
        #expect(policy.decision(statusCode: 500, attempt: 1).deadLetterError?.code == .retriesExhausted)
    }
}

@Suite("Retry-After")
struct RetryAfterTests {
    static let now = Date(timeIntervalSince1970: 784_111_777)  // Sun, 06 Nov 1994 08:49:37 GMT

    @Test(arguments: [
        ("0", Duration.zero as Duration?),
        ("120", .seconds(120)),
        (" 7 ", .seconds(7)),
        ("99999999999999999999999", .seconds(Int64.max)),
        ("Sun, 06 Nov 1994 08:49:47 GMT", .seconds(10)),
        ("Sunday, 06-Nov-94 08:50:37 GMT", .seconds(60)),
        ("Sun Nov  6 08:49:40 1994", .seconds(3)),
        ("Sun, 06 Nov 1994 08:00:00 GMT", .zero),
        ("-5", nil),
        ("1.5", nil),
        ("", nil),
        ("tomorrow", nil),
        ("٣", nil),
    ])
    func valuesAreRead(_ value: String, expected: Duration?) {
        #expect(RetryAfter.delay(from: value, now: Self.now) == expected)
    }
}
