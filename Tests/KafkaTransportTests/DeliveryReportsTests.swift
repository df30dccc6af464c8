import CRdKafka
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
        let reports = DeliveryReports()
        let (first, firstReference) = batch(3)
        let (second, secondReference) = batch(2)
        reports.record(firstReference, RD_KAFKA_RESP_ERR_NO_ERROR, topic: nil)
        reports.record(firstReference, RD_KAFKA_RESP_ERR_NO_ERROR, topic: nil)
        reports.record(secondReference, RD_KAFKA_RESP_ERR_NO_ERROR, topic: nil)
        reports.record(firstReference, RD_KAFKA_RESP_ERR_NO_ERROR, topic: nil)
        reports.record(secondReference, RD_KAFKA_RESP_ERR_NO_ERROR, topic: nil)
        reports.flush()
        try await first.wait()
        try await second.wait()
    }

    @Test func aFailureAmongSuccessesFailsTheBatchCountingOnlyTheFailure() async throws {
        let reports = DeliveryReports()
        let (batch, reference) = batch(5)
        reports.record(reference, RD_KAFKA_RESP_ERR_NO_ERROR, topic: nil)
        reports.record(reference, RD_KAFKA_RESP_ERR_NO_ERROR, topic: nil)
        reports.record(reference, RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, topic: nil)
        reports.record(reference, RD_KAFKA_RESP_ERR_NO_ERROR, topic: nil)
        reports.record(reference, RD_KAFKA_RESP_ERR_NO_ERROR, topic: nil)
        reports.flush()
        await #expect {
            try await batch.wait()
        } throws: { error in
            let error = error as! MessagingError
            return error.code == .timedOut && error.reason.hasPrefix("1 of 5 messages were not published.")
        }
    }

}
