import CRdKafka
import Logging
import Messaging
import Testing

@testable import KafkaTransport

@Suite("Delivery reports")
struct DeliveryReportsTests {
    /// A batch of `count` as the producer makes it: retained until its last report.
    func batch(_ count: Int) -> (DeliveryBatch, Unmanaged<DeliveryBatch>) {
        let batch = DeliveryBatch(count: count)
        return (batch, Unmanaged.passRetained(batch))
    }

    @Test func runsOfReportsSettleEveryBatchTheyBelongTo() async throws {
        let reports = DeliveryReports(logger: Logger(label: "reports"))
        let (first, firstReference) = batch(3)
        let (second, secondReference) = batch(2)
        for reference in [firstReference, firstReference, secondReference, firstReference, secondReference] {
            reports.record(reference, RD_KAFKA_RESP_ERR_NO_ERROR, topic: nil)
        }
        #expect(first.remaining + second.remaining < 5)
        reports.flush()
        #expect(first.remaining == 0)
        #expect(second.remaining == 0)
        try await first.wait()
        try await second.wait()
    }

    @Test func aFailureAmongSuccessesFailsTheBatchCountingOnlyTheFailure() async throws {
        let reports = DeliveryReports(logger: Logger(label: "reports"))
        let (batch, reference) = batch(5)
        let ok = RD_KAFKA_RESP_ERR_NO_ERROR
        for code in [ok, ok, RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, ok, ok] {
            reports.record(reference, code, topic: nil)
        }
        #expect(batch.remaining == 2)
        reports.flush()
        #expect(batch.remaining == 0)
        await #expect {
            try await batch.wait()
        } throws: { error in
            let error = error as! MessagingError
            return error.code == .timedOut && error.reason.hasPrefix("1 of 5 messages were not published.")
        }
    }
}
