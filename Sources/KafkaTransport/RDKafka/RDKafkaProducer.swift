import CRdKafka
import DequeModule
import Foundation
import Logging
import Messaging
import Synchronization

/// One librdkafka producer: the handle, the thread that enqueues its batches and serves its
/// delivery reports, and the batches waiting for them.
///
/// `produce` hands a batch to the producer's thread and suspends until every message of it has
/// a delivery report. The thread enqueues batches in the order they came, a run of records at a
/// time, and serves delivery reports between runs, as a C producer's loop would: librdkafka
/// allocates each message on the thread that enqueues it and frees it on the thread that serves
/// its report, and one thread doing both keeps those two from contending for the allocator's
/// lock. When it has nothing to enqueue, or librdkafka's queue is full, the thread blocks in
/// `rd_kafka_poll` — it wakes as soon as there is a report or a new batch, and never sleeps on a
/// timer.
final class RDKafkaProducer: @unchecked Sendable {
    /// A batch handed to the producer's thread, with the records it has not enqueued yet.
    private struct Submission: Sendable {
        let records: [Message]
        let topic: String
        /// The batch, retained until its last report; each record carries it as its opaque.
        let reference: Unmanaged<DeliveryBatch>
        var next = 0

        var batch: DeliveryBatch { reference.takeUnretainedValue() }
    }

    private struct State {
        var isClosing = false
        /// When closing must have flushed; librdkafka's delivery timeout bounds it otherwise.
        var closeDeadline: ContinuousClock.Instant?
        var isClosed = false
        var submissions: Deque<Submission> = []
        /// Topics whose partitions the client has learnt, so records for them are partitioned
        /// as they are enqueued.
        var knownTopics: Set<String> = []
        var closeWaiters: [CheckedContinuation<Void, Never>] = []
    }

    /// Records enqueued between two polls of the producer's thread. Chosen by measurement: in
    /// alternating runs of `kafka-produce`, runs of 64 gave a median ratio of 0.83 to the C
    /// producer (which polls after every record), runs of 16 0.74, runs of 256 0.65 — noisy,
    /// as the C producer itself moved between 430 000 and 730 000 messages/s.
    private static let run = 64

    private let client: RDKafkaHandle
    private var handle: OpaquePointer { client.pointer }
    /// librdkafka's main queue, whose `rd_kafka_queue_yield` wakes the thread out of a poll.
    private let mainQueue: OpaquePointer
    private let state = Mutex(State())
    private let flushTimeout: Duration
    private let reports: DeliveryReports

    /// How long closing flushes what was accepted and not yet acknowledged, unless
    /// `close(by:)` says when it must end.
    private let closeTimeout: Duration
    private let logger: Logger

    init(
        properties: [String: String],
        flushTimeout: Duration,
        closeTimeout: Duration,
        logger: Logger
    ) throws(MessagingError) {
        self.closeTimeout = closeTimeout
        self.logger = logger
        reports = DeliveryReports(logger: logger)
        self.client = try RDKafkaClient.make(RD_KAFKA_PRODUCER, properties: properties, callbacks: reports) {
            configuration in
            rd_kafka_conf_set_dr_msg_cb(configuration, deliveryReportCallback)
        }
        self.mainQueue = rd_kafka_queue_get_main(client.pointer)
        self.flushTimeout = flushTimeout
        let thread = Thread { [self] in serve() }
        thread.name = "kafka-producer"
        thread.start()
    }

    deinit {
        // The client itself is destroyed by its handle, once no blocking call uses it either.
        rd_kafka_queue_destroy(mainQueue)
    }

    // MARK: - Producing

    /// Produces `records` to `topic` with the CloudEvents binding and returns when all were
    /// acknowledged. The messages must have been validated.
    func produce(_ records: [Message], to topic: String) async throws(MessagingError) {
        guard !records.isEmpty else { return }
        try await learnPartitions(of: topic)
        let batch = DeliveryBatch(count: records.count)
        let submission = Submission(records: records, topic: topic, reference: Unmanaged.passRetained(batch))
        let accepted = state.withLock { state in
            guard !state.isClosing else { return false }
            state.submissions.append(submission)
            return true
        }
        if accepted {
            rd_kafka_queue_yield(mainQueue)
        } else {
            batch.abandon(records.count, because: Self.shuttingDown)
        }
        try await batch.wait()
    }

    /// Asks the cluster for `topic`'s partitions before the client's first record for it.
    ///
    /// librdkafka holds the records of a topic whose partitions it does not know yet in one
    /// queue, and moves them to their partitions one by one when the partitions arrive. With a
    /// first batch of 100 000 records that took about 0.7 s on the mock cluster, and the first
    /// delivery report came after 0.85 s instead of 5 ms.
    ///
    /// - Throws: `MessagingError` with code `timedOut` when no broker answers within the delivery
    ///   timeout; nothing has been enqueued then.
    private func learnPartitions(of topic: String) async throws(MessagingError) {
        guard !state.withLock({ $0.knownTopics.contains(topic) }) else { return }
        _ = try await RDKafkaAdmin.topics(using: client, timeout: flushTimeout, only: topic)
        state.withLock { _ = $0.knownTopics.insert(topic) }
    }

    private static let shuttingDown = MessagingError(.shutDown, "The Kafka transport is shutting down.")

    /// Enqueues the next run of `submission`'s records to `topic`, its topic's handle, writing
    /// their times with `recentTime`; returns whether librdkafka's queue was full. A record
    /// librdkafka refuses for another reason fails the rest of its batch.
    private func enqueueRun(
        of submission: inout Submission,
        to topic: OpaquePointer,
        recentTime: inout RFC3339.Recent
    ) -> Bool {
        let end = min(submission.next + Self.run, submission.records.count)
        let (enqueued, error) = enqueue(
            submission.records[submission.next..<end],
            topic: topic,
            opaque: submission.reference.toOpaque(),
            recentTime: &recentTime
        )
        submission.next += enqueued
        switch error {
        case nil:
            return false
        case RD_KAFKA_RESP_ERR__QUEUE_FULL:
            return true
        case let code?:
            fail(&submission, RDKafkaClient.error(code, "Producing to '\(submission.topic)' failed"))
            return false
        }
    }

    /// Fails the records of `submission` not enqueued yet.
    private func fail(_ submission: inout Submission, _ error: MessagingError) {
        submission.batch.abandon(submission.records.count - submission.next, because: error)
        submission.next = submission.records.count
    }

    /// Enqueues records until one fails; returns how many were enqueued and the failure.
    ///
    /// librdkafka copies the key, value and headers, so everything here is borrowed for the call.
    private func enqueue(
        _ records: ArraySlice<Message>,
        topic: OpaquePointer,
        opaque: UnsafeMutableRawPointer,
        recentTime: inout RFC3339.Recent
    ) -> (Int, rd_kafka_resp_err_t?) {
        withUnsafeTemporaryAllocation(of: rd_kafka_vu_t.self, capacity: 7) { values in
            var count = 0
            for index in records.indices {
                let code = enqueue(records[index], topic: topic, opaque: opaque, using: values, recentTime: &recentTime)
                if let code {
                    return (count, code)
                }
                count += 1
            }
            return (count, nil)
        }
    }

    /// Enqueues one record; returns the error code if librdkafka refused it.
    private func enqueue(
        _ record: borrowing Message,
        topic: OpaquePointer,
        opaque: UnsafeMutableRawPointer,
        using values: UnsafeMutableBufferPointer<rd_kafka_vu_t>,
        recentTime: inout RFC3339.Recent
    ) -> rd_kafka_resp_err_t? {
        let headers = rd_kafka_headers_new(8)!
        CloudEventsKafkaBinding.forEachHeader(of: record, recentTime: &recentTime) { name, value in
            _ = rd_kafka_header_add(
                headers,
                name.baseAddress?.assumingMemoryBound(to: CChar.self),
                name.count,
                value.baseAddress,
                value.count
            )
        }
        let timestamp = Int64(((record.time ?? Date()).timeIntervalSince1970 * 1000).rounded())
        let failure: OpaquePointer? = record.payload.withUnsafeBytes { value in
            withKey(of: record) { key in
                values.initialize(repeating: rd_kafka_vu_t())
                values[0].vtype = RD_KAFKA_VTYPE_RKT
                values[0].u.rkt = topic
                values[1].vtype = RD_KAFKA_VTYPE_VALUE
                values[1].u.mem.ptr = UnsafeMutableRawPointer(mutating: value.baseAddress)
                values[1].u.mem.size = value.count
                values[2].vtype = RD_KAFKA_VTYPE_KEY
                values[2].u.mem.ptr = UnsafeMutableRawPointer(mutating: key?.baseAddress)
                values[2].u.mem.size = key?.count ?? 0
                values[3].vtype = RD_KAFKA_VTYPE_HEADERS
                values[3].u.headers = headers
                values[4].vtype = RD_KAFKA_VTYPE_MSGFLAGS
                values[4].u.i = RD_KAFKA_MSG_F_COPY
                values[5].vtype = RD_KAFKA_VTYPE_OPAQUE
                values[5].u.ptr = opaque
                values[6].vtype = RD_KAFKA_VTYPE_TIMESTAMP
                values[6].u.i64 = timestamp
                return rd_kafka_produceva(handle, values.baseAddress, values.count)
            }
        }
        guard let failure else { return nil }
        let code = rd_kafka_error_code(failure)
        rd_kafka_error_destroy(failure)
        rd_kafka_headers_destroy(headers)
        return code
    }

    private func withKey<Result>(of record: borrowing Message, _ body: (UnsafeRawBufferPointer?) -> Result) -> Result {
        guard let key = record.key else { return body(nil) }
        return CloudEventsKafkaBinding.withUTF8(of: key) { body($0) }
    }

    /// Creates `topic` unless it exists, through the admin API of this producer's client.
    func createTopic(_ topic: String, shape: KafkaConfiguration.TopicCreation, timeout: Duration)
        async throws(MessagingError)
    {
        try await RDKafkaAdmin.createTopic(
            topic,
            partitions: shape.partitions,
            replicationFactor: shape.replicationFactor,
            using: client,
            timeout: timeout
        )
    }

    /// The cluster's topics and their partition counts, as this producer's client sees them.
    func topics(timeout: Duration) async throws(MessagingError) -> [String: Int] {
        try await RDKafkaAdmin.topics(using: client, timeout: timeout)
    }

    /// Per partition of `topic`, the messages past `group`'s committed position.
    func lag(of group: String, on topic: String, timeout: Duration) async throws(MessagingError) -> [Int32: Int64] {
        try await RDKafkaAdmin.lag(of: group, on: topic, using: client, timeout: timeout)
    }

    // MARK: - The producer's thread

    private func serve() {
        var current: Submission?
        // librdkafka looks a topic given by name up for every record, under the client's write
        // lock, which its broker threads take too; a handle per topic, made on the topic's first
        // record, spares that.
        var topics: [String: OpaquePointer] = [:]
        var recentTime = RFC3339.Recent()
        while true {
            let closing = state.withLock { state in
                if current == nil, !state.submissions.isEmpty {
                    current = state.submissions.removeFirst()
                }
                return state.isClosing
            }
            if closing { break }
            var isFull = false
            if var submission = current {
                if let topic = topics[submission.topic] ?? rd_kafka_topic_new(handle, submission.topic, nil) {
                    topics[submission.topic] = topic
                    isFull = enqueueRun(of: &submission, to: topic, recentTime: &recentTime)
                } else {
                    fail(
                        &submission,
                        RDKafkaClient.error(rd_kafka_last_error(), "Producing to '\(submission.topic)' failed")
                    )
                }
                current = submission.next < submission.records.count ? submission : nil
            }
            rd_kafka_poll(handle, current == nil || isFull ? 100 : 0)
            reports.flush()
        }
        let abandoned = state.withLock { state in
            defer { state.submissions.removeAll() }
            return (current.map { [$0] } ?? []) + state.submissions
        }
        for submission in abandoned {
            submission.batch.abandon(submission.records.count - submission.next, because: Self.shuttingDown)
        }
        let deadline = state.withLock { $0.closeDeadline } ?? ContinuousClock.now.advanced(by: closeTimeout)
        let bound = max(.zero, min(flushTimeout, ContinuousClock.now.duration(to: deadline)))
        if rd_kafka_flush(handle, Int32(clamping: bound.milliseconds)) != RD_KAFKA_RESP_ERR_NO_ERROR {
            logger.warning(
                "The producer's flush did not finish; the publishes of its unacknowledged messages fail",
                metadata: ["kafka.unacknowledged": "\(rd_kafka_outq_len(handle))", "kafka.flush-timeout": "\(bound)"]
            )
            rd_kafka_purge(handle, Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
            rd_kafka_poll(handle, 0)
        }
        reports.flush()
        for topic in topics.values {
            rd_kafka_topic_destroy(topic)
        }
        let waiters = state.withLock { state in
            state.isClosed = true
            defer { state.closeWaiters.removeAll() }
            return state.closeWaiters
        }
        for waiter in waiters {
            waiter.resume()
        }
    }

    /// Asks the producer's thread to flush and finish, without waiting for it.
    func requestClose() {
        state.withLock { $0.isClosing = true }
        rd_kafka_queue_yield(mainQueue)
    }

    /// Stops taking batches, delivers what was accepted (or fails it after the flush timeout),
    /// and returns when the producer's thread has finished.
    func close(by deadline: ContinuousClock.Instant? = nil) async {
        await withCheckedContinuation { continuation in
            let closed = state.withLock { state in
                state.isClosing = true
                state.closeDeadline = deadline
                guard !state.isClosed else { return true }
                state.closeWaiters.append(continuation)
                return false
            }
            rd_kafka_queue_yield(mainQueue)
            if closed {
                continuation.resume()
            }
        }
    }
}

/// The delivery reports still expected for one batch, and who waits for them.
final class DeliveryBatch: Sendable {
    private struct State {
        var remaining: Int
        var failures = 0
        var firstError: MessagingError?
        var waiter: CheckedContinuation<Void, any Error>?
        var isDone: Bool { remaining == 0 }
    }

    private let state: Mutex<State>
    private let count: Int

    init(count: Int) {
        self.count = count
        self.state = Mutex(State(remaining: count))
    }

    /// The reports still expected.
    var remaining: Int {
        state.withLock { $0.remaining }
    }

    /// Records `count` successful deliveries.
    func delivered(_ count: Int) {
        settle(count, failure: nil)
    }

    /// Records one failed delivery; `topic` names the topic in the error.
    func failed(_ code: rd_kafka_resp_err_t, topic: OpaquePointer?) {
        let name = topic.map { String(cString: rd_kafka_topic_name($0)) } ?? "?"
        settle(1, failure: RDKafkaClient.error(code, "Delivery to '\(name)' failed"))
    }

    /// Counts `count` messages that were never enqueued as failed.
    func abandon(_ count: Int, because error: MessagingError) {
        if count > 0 {
            settle(count, failure: error)
        }
    }

    private func settle(_ reports: Int, failure: MessagingError?) {
        let (waiter, outcome, finished): (CheckedContinuation<Void, any Error>?, MessagingError?, Bool) = state.withLock
        {
            state in
            state.remaining -= reports
            if let failure {
                state.failures += reports
                state.firstError = state.firstError ?? failure
            }
            guard state.isDone else { return (nil, nil, false) }
            let waiter = state.waiter
            state.waiter = nil
            return (waiter, summary(state), true)
        }
        guard finished else { return }
        if let waiter {
            if let outcome { waiter.resume(throwing: outcome) } else { waiter.resume() }
        }
        Unmanaged.passUnretained(self).release()
    }

    private func summary(_ state: State) -> MessagingError? {
        guard var error = state.firstError else { return nil }
        error.reason = "\(state.failures) of \(count) messages were not published. " + error.reason
        return error
    }

    /// Returns when every message has a report; throws if any failed.
    func wait() async throws(MessagingError) {
        do {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome: Result<Void, MessagingError>? = state.withLock { state in
                    guard state.isDone else {
                        state.waiter = continuation
                        return nil
                    }
                    return summary(state).map { .failure($0) } ?? .success(())
                }
                if let outcome {
                    continuation.resume(with: outcome)
                }
            }
        } catch let error as MessagingError {
            throw error
        } catch {
            throw MessagingError(.transportFailure, "Publishing failed.", underlying: error)
        }
    }
}

/// Counts the delivery reports of one `rd_kafka_poll` call on the producer's thread, so that a
/// batch is settled once per run of its reports rather than once per message. Only that thread
/// touches it.
final class DeliveryReports: RDKafkaCallbacks, @unchecked Sendable {
    private var batch: Unmanaged<DeliveryBatch>?
    private var delivered = 0
    let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    /// Counts a report for `batch`; a failure is recorded at once, with what came before it.
    func record(_ batch: Unmanaged<DeliveryBatch>, _ code: rd_kafka_resp_err_t, topic: OpaquePointer?) {
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
            flush()
            batch.takeUnretainedValue().failed(code, topic: topic)
            return
        }
        if self.batch?.toOpaque() != batch.toOpaque() {
            flush()
            self.batch = batch
        }
        delivered += 1
    }

    /// Settles the reports counted so far.
    func flush() {
        if let batch, delivered > 0 {
            batch.takeUnretainedValue().delivered(delivered)
        }
        batch = nil
        delivered = 0
    }
}

/// Called by librdkafka on the producer's thread, once per message, with the batch as the
/// message's opaque and the ``DeliveryReports`` as the client's.
///
/// The opaques are a C callback's only context, so they are read with `Unmanaged`; the client's is
/// read as its concrete type, not through a cast as the log callback does, because this runs for
/// every message produced.
private let deliveryReportCallback:
    @convention(c) (OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?) -> Void = {
        _,
        message,
        opaque in
        guard let message, let batch = message.pointee._private, let opaque else { return }
        Unmanaged<DeliveryReports>.fromOpaque(opaque).takeUnretainedValue()
            .record(Unmanaged<DeliveryBatch>.fromOpaque(batch), message.pointee.err, topic: message.pointee.rkt)
    }
