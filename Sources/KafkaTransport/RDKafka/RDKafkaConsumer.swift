import CRdKafka
import DequeModule
import Foundation
import Logging
import Messaging
import Synchronization

/// One member of a consumer group: a librdkafka consumer, the thread that polls it, and the
/// deliveries it has handed out.
///
/// Positions are committed by this type, never automatically: only offsets whose deliveries were
/// settled, in order, periodically, on every revocation and on close. Commit metadata records
/// which offsets had been handed out unsettled, so the member that takes a partition over counts
/// their attempts on.
final class RDKafkaConsumer: DeliverySettler, @unchecked Sendable {
    struct Options {
        var topic: String
        var group: String
        var subscription: SubscriptionOptions
        var commitInterval: Duration
        var joinTimeout: Duration
        var revocationGracePeriod: Duration
        /// How long the polling thread waits for room before pausing fetching; see
        /// ``RDKafkaConsumer/waitForRoom()``.
        var roomWait: Duration = .seconds(1)
        /// Called on the polling thread after each record is collected; tests slow the thread
        /// down with it, to hold it inside a batch.
        var afterCollect: (@Sendable () -> Void)?
        /// How long closing may take, and a commit during a rebalance may wait, when the
        /// coordinator does not answer.
        var commitTimeout: Duration = .seconds(10)
        var logger = Logger(label: "KafkaTransport")
    }

    typealias Stop = ConsumerLifecycle.Stop

    private struct State {
        var lifecycle: ConsumerLifecycle
        var joinWaiter: Parked<Void, any Error>?
        var closeWaiters: [CheckedContinuation<Void, Never>] = []
        var buffer: Deque<Pending> = []
        var waiter: Parked<Pending?, Never>?
        var partitions = PartitionTable()
        var handedOut = 0
        /// Positions this member settled whose commit the coordinator refused (it does during
        /// some rebalances); used if the partition comes back to this member.
        var refusedPositions: [Int32: Int64] = [:]

        var unsettledCount: Int { buffer.count + handedOut }

        /// Drops the buffered deliveries `isDropped` selects, destroying their records.
        mutating func dropBuffered(where isDropped: (Pending) -> Bool = { _ in true }) {
            buffer.removeAll { pending in
                guard isDropped(pending) else { return false }
                pending.discard()
                return true
            }
        }
    }

    /// A record polled from librdkafka, kept as it came until a task takes it: the iterating
    /// task builds its `Message` and `Delivery`, so their strings and buffers are allocated on
    /// the thread that frees them. Allocated by the polling thread and freed by the task, they
    /// made the two contend for the polling thread's malloc arena on every allocation.
    struct PolledRecord {
        let message: UnsafeMutablePointer<rd_kafka_message_t>
        let partition: Int32
        let offset: Int64
        var attempt = 1
    }

    /// A delivery waiting to be handed out: a polled record, or a delivery made again to be
    /// retried.
    enum Pending {
        case record(PolledRecord)
        case delivery(Delivery)

        var partition: Int32 {
            switch self {
            case .record(let record): record.partition
            case .delivery(let delivery): Int32(delivery.partition)
            }
        }

        var offset: Int64 {
            switch self {
            case .record(let record): record.offset
            case .delivery(let delivery): delivery.offset
            }
        }

        /// Destroys the record of a pending delivery that will not be handed out.
        func discard() {
            if case .record(let record) = self {
                rd_kafka_message_destroy(record.message)
            }
        }
    }

    /// A continuation the consumer's state keeps, boxed.
    ///
    /// `CheckedContinuation`'s layout is known only at run time (the concurrency library may
    /// change it), so a struct that held one directly had a layout known only at run time too:
    /// every access to the consumer's state under its lock looked its fields up through the
    /// type's metadata, and every function holding a continuation looked up its type and sized
    /// its stack frame on each call. A reference has a fixed layout; the box is allocated only
    /// when a task waits.
    private final class Parked<Value, Failure: Error>: Sendable {
        let continuation: CheckedContinuation<Value, Failure>

        init(_ continuation: CheckedContinuation<Value, Failure>) {
            self.continuation = continuation
        }
    }

    /// Where the member's flow control stands, and how often the polling thread waited for room
    /// or paused fetching; read by tests.
    struct FlowControl {
        let roomWaits: Int
        let pauses: Int
        let isPaused: Bool
        let unsettled: Int
    }

    /// The most records the polling thread takes from librdkafka before handing them over under
    /// one lock.
    private static let largestHandOver = 256

    let options: Options
    private var client: RDKafkaHandle!
    private var handle: OpaquePointer { client.pointer }
    /// The records polled since the last hand-over. Touched only by the polling thread: in its
    /// loop and in the rebalance callback, which librdkafka runs inside a poll.
    private var polled: Deque<PolledRecord> = []
    /// The partitions whose fetching this member paused; touched only by the polling thread.
    ///
    /// Only these are ever resumed, and each is resumed before it is revoked. librdkafka 2.0
    /// keeps a partition's pause flag across unassignment, and gives every pause or resume a new
    /// version of the partition, even a resume of a partition that is not paused: one that
    /// races an assignment's start of fetching can make librdkafka drop that start as outdated,
    /// and the partition is then never fetched (librdkafka issues 2190 and 4686).
    private var pausedPartitions: Set<Int32> = []
    private let state: Mutex<State>
    /// Signalled on a settlement the polling thread waits for: during a revocation, a graceful
    /// stop, or a wait for room.
    private let settled = NSCondition()
    private let callbacks: ConsumerCallbacks

    init(properties: [String: String], options: Options, logger: Logger) throws(MessagingError) {
        self.options = options
        state = Mutex(
            State(
                lifecycle: ConsumerLifecycle(
                    prefetch: options.subscription.prefetch,
                    roomWait: options.roomWait,
                    revocationGracePeriod: options.revocationGracePeriod,
                    closeTimeout: options.commitTimeout,
                    joinDeadline: .now.advanced(by: options.joinTimeout)
                )
            )
        )
        callbacks = ConsumerCallbacks(logger: logger)
        var properties = properties
        // Where librdkafka starts a partition whose position it has to read itself (see
        // `assign`) and finds none.
        properties["auto.offset.reset"] =
            properties["auto.offset.reset"] ?? (options.subscription.startPosition == .earliest ? "earliest" : "latest")
        self.client = try RDKafkaClient.make(
            RD_KAFKA_CONSUMER,
            properties: properties,
            callbacks: callbacks,
            destroyFlags: RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE
        ) { configuration in
            rd_kafka_conf_set_rebalance_cb(configuration, rebalanceCallback)
        }
        rd_kafka_poll_set_consumer(handle)
    }

    /// The member's flow control so far.
    var flowControl: FlowControl {
        state.withLock { state in
            FlowControl(
                roomWaits: state.lifecycle.roomWaits,
                pauses: state.lifecycle.pauses,
                isPaused: state.lifecycle.isPaused,
                unsettled: state.unsettledCount
            )
        }
    }

    /// Whether the member has left its group and its thread has finished.
    var isClosed: Bool {
        state.withLock { $0.lifecycle.isClosed }
    }

    // MARK: - Joining

    /// Subscribes, starts the polling thread, and returns once the first assignment arrived.
    func join() async throws(MessagingError) {
        let thread = Thread { [self] in serve() }
        thread.name = "kafka-consumer-\(options.group)"
        thread.start()
        do {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome = state.withLock { state in
                    if state.lifecycle.joinOutcome == nil {
                        state.joinWaiter = Parked(continuation)
                    }
                    return state.lifecycle.joinOutcome
                }
                if let outcome {
                    continuation.resume(with: outcome)
                }
            }
        } catch let error as MessagingError {
            throw error
        } catch {
            throw MessagingError(.transportFailure, "Joining group '\(options.group)' failed.", underlying: error)
        }
    }

    /// Wakes the task waiting in `join()` with the join's outcome, once there is one.
    private func completeJoin(_ state: inout State) -> (Parked<Void, any Error>, Result<Void, MessagingError>)? {
        guard let waiter = state.joinWaiter, let outcome = state.lifecycle.joinOutcome else { return nil }
        state.joinWaiter = nil
        return (waiter, outcome)
    }

    private func resume(_ join: (Parked<Void, any Error>, Result<Void, MessagingError>)?) {
        guard let (waiter, outcome) = join else { return }
        waiter.continuation.resume(with: outcome.mapError { $0 })
    }

    // MARK: - The polling thread

    private func serve() {
        callbacks.consumer = self
        let subscription = RDKafkaPartitionList(topic: options.topic, partitions: [RD_KAFKA_PARTITION_UA])
        let subscribed = subscription.withPointer { rd_kafka_subscribe(handle, $0) }
        if subscribed != RD_KAFKA_RESP_ERR_NO_ERROR {
            let error = RDKafkaClient.error(subscribed, "Subscribing to '\(options.topic)' failed")
            resume(
                state.withLock { state in
                    state.lifecycle.failJoin(error)
                    return completeJoin(&state)
                }
            )
        }
        var nextCommit = ContinuousClock.now.advanced(by: options.commitInterval)
        while true {
            let (leaves, room) = state.withLock { state in
                (
                    state.lifecycle.shouldLeave(handedOut: state.handedOut),
                    state.lifecycle.room(unsettled: state.unsettledCount)
                )
            }
            if leaves || joinDeadlinePassed() { break }
            // Waits up to 100 ms for a record, then takes what librdkafka already holds, up to
            // the room the prefetch leaves, and hands it all over at once.
            let message = rd_kafka_consumer_poll(handle, 100)
            if let message {
                collect(message)
                while polled.count < min(Self.largestHandOver, room), let next = rd_kafka_consumer_poll(handle, 0) {
                    collect(next)
                }
            }
            var action = handOver(mayWaitForRoom: true)
            if case .waitForRoom(let deadline) = action {
                action = waitForRoom(until: deadline)
            }
            apply(action)
            if message == nil || ContinuousClock.now >= nextCommit {
                commit(partitions: nil, synchronously: false)
                nextCommit = ContinuousClock.now.advanced(by: options.commitInterval)
            }
        }
        leaveGroup()
        let (waiter, closeWaiters) = state.withLock { state in
            state.lifecycle.left()
            state.dropBuffered()
            state.partitions.removeAll()
            defer {
                state.waiter = nil
                state.closeWaiters.removeAll()
            }
            return (state.waiter, state.closeWaiters)
        }
        waiter?.continuation.resume(returning: nil)
        for waiter in closeWaiters {
            waiter.resume()
        }
        callbacks.consumer = nil
    }

    /// Fails the join if the first assignment did not come in time; returns whether it did.
    private func joinDeadlinePassed() -> Bool {
        let (passed, join) = state.withLock { state in
            let passed = state.lifecycle.joinDeadlinePassed(
                at: .now,
                failing: MessagingError(
                    .timedOut,
                    "No partition assignment for group '\(options.group)' on '\(options.topic)' within \(options.joinTimeout); are the brokers reachable?",
                    isRetriable: true
                )
            )
            return (passed, passed ? completeJoin(&state) : nil)
        }
        resume(join)
        return passed
    }

    /// Commits, gives the partitions up and leaves the group, waiting at most
    /// ``Options/commitTimeout`` for the coordinator; what is not done by then is logged.
    ///
    /// `rd_kafka_consumer_close` waits with no bound of its own: with the coordinator gone it
    /// returned only when the member's session expired (45 s by default), and orchestrators
    /// stop a process after 30.
    private func leaveGroup() {
        let deadline = state.withLock { state in
            state.lifecycle.leaving(at: .now)
        }
        let queue = rd_kafka_queue_new(handle)!
        defer { rd_kafka_queue_destroy(queue) }
        if let error = rd_kafka_consumer_close_queue(handle, queue) {
            options.logger.warning(
                "Leaving the consumer group failed",
                metadata: [
                    "kafka.group": "\(options.group)",
                    "error": "\(String(cString: rd_kafka_error_string(error)))",
                ]
            )
            rd_kafka_error_destroy(error)
            return
        }
        while rd_kafka_consumer_closed(handle) == 0 {
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else {
                options.logger.warning(
                    "The consumer group's coordinator did not answer; the member left without it",
                    metadata: ["kafka.group": "\(options.group)", "kafka.timeout": "\(options.commitTimeout)"]
                )
                return
            }
            guard let event = rd_kafka_queue_poll(queue, Int32(clamping: min(max(1, remaining.milliseconds), 100)))
            else { continue }
            if rd_kafka_event_type(event) == RD_KAFKA_EVENT_REBALANCE,
                let partitions = rd_kafka_event_topic_partition_list(event)
            {
                rebalance(rd_kafka_event_error(event), partitions)
            }
            rd_kafka_event_destroy(event)
        }
    }

    /// Waits, without polling, until the application has settled half of its prefetch, the
    /// member stops, or `deadline` passes; then decides whether fetching pauses.
    ///
    /// Pausing is the last resort: librdkafka discards a paused partition's fetched-ahead
    /// records and fetches them again on resume. While the thread waits, librdkafka goes on
    /// fetching into its own queue, up to `queued.min.messages` across the member's partitions,
    /// and sends heartbeats from its own thread; a rebalance is served once the wait ends.
    private func waitForRoom(until deadline: ContinuousClock.Instant) -> ConsumerLifecycle.FetchAction {
        waitForSettlements(until: deadline) {
            state.withLock { $0.lifecycle.keepsWaitingForRoom(unsettled: $0.unsettledCount) }
        }
        return state.withLock { $0.lifecycle.roomWaitEnded(unsettled: $0.unsettledCount) }
    }

    /// Blocks the polling thread while `keepsWaiting`, until `deadline`; settlements the thread
    /// waits for wake it (``signalSettled()``).
    ///
    /// `NSCondition` waits until a wall-clock date: the deadline stays on the continuous clock,
    /// and each wait lasts at most 100 ms of wall-clock time, so a clock change cannot stretch it.
    private func waitForSettlements(until deadline: ContinuousClock.Instant, while keepsWaiting: () -> Bool) {
        settled.lock()
        defer { settled.unlock() }
        while keepsWaiting() {
            let remaining = min(ContinuousClock.now.duration(to: deadline), .milliseconds(100))
            guard remaining > .zero else { return }
            _ = settled.wait(until: Date(timeIntervalSinceNow: Double(remaining.milliseconds + 1) / 1000))
        }
    }

    /// Keeps a polled record for the next hand-over; a record that carries an error (a
    /// consumer event, not a message) is dropped.
    private func collect(_ message: UnsafeMutablePointer<rd_kafka_message_t>) {
        let record = message.pointee
        if record.err == RD_KAFKA_RESP_ERR_NO_ERROR {
            polled.append(PolledRecord(message: message, partition: record.partition, offset: record.offset))
        } else {
            rd_kafka_message_destroy(message)
        }
        options.afterCollect?()
    }

    /// Hands the polled records out under one lock: the first to a waiting `next()`, the rest
    /// to the buffer. A record of a partition no longer assigned is dropped; its next owner
    /// reads it. A record an earlier owner had handed out gets the attempt it has reached.
    /// Returns what fetching does next; a wait for room only if `mayWaitForRoom`.
    private func handOver(mayWaitForRoom: Bool) -> ConsumerLifecycle.FetchAction {
        let (action, handOff) = state.withLock {
            state -> (ConsumerLifecycle.FetchAction, (Parked<Pending?, Never>, Pending)?) in
            var handOff: (Parked<Pending?, Never>, Pending)?
            while var record = polled.popFirst() {
                guard state.lifecycle.handsOut,
                    let attempt = state.partitions[record.partition]?.received(record.offset)
                else {
                    rd_kafka_message_destroy(record.message)
                    continue
                }
                record.attempt = attempt
                if handOff == nil, let waiter = state.waiter {
                    state.waiter = nil
                    state.handedOut += 1
                    state.partitions[record.partition]!.handedOut(record.offset)
                    handOff = (waiter, .record(record))
                } else {
                    state.buffer.append(.record(record))
                }
            }
            let unsettled = state.unsettledCount
            let action =
                mayWaitForRoom
                ? state.lifecycle.polled(unsettled: unsettled, at: .now)
                : state.lifecycle.handedOver(unsettled: unsettled)
            return (action, handOff)
        }
        if let (waiter, pending) = handOff {
            waiter.continuation.resume(returning: pending)
        }
        return action
    }

    /// `delivery` again, as attempt `attempt`.
    private func delivery(_ delivery: Delivery, asAttempt attempt: Int) -> Delivery {
        Delivery(
            message: delivery.message,
            topic: delivery.topic,
            group: delivery.group,
            partition: delivery.partition,
            offset: delivery.offset,
            attempt: attempt,
            settler: self
        )
    }

    /// The delivery `pending` is: a polled record is read into its message, with `reader`, and
    /// destroyed.
    private func delivery(of pending: Pending, reading reader: inout CloudEventsKafkaBinding.Reader) -> Delivery {
        switch pending {
        case .delivery(let delivery):
            return delivery
        case .record(let record):
            defer { rd_kafka_message_destroy(record.message) }
            let message = reader.message(
                from: Self.record(of: record.message),
                topic: options.topic,
                partition: record.partition,
                offset: record.offset
            )
            return Delivery(
                message: consume message,
                topic: options.topic,
                group: options.group,
                partition: Int(record.partition),
                offset: record.offset,
                attempt: record.attempt,
                settler: self
            )
        }
    }

    private static func record(
        of message: UnsafeMutablePointer<rd_kafka_message_t>
    ) -> CloudEventsKafkaBinding.Record<RDKafkaHeaders> {
        let record = message.pointee
        var list: OpaquePointer?
        let headers = rd_kafka_message_headers(message, &list) == RD_KAFKA_RESP_ERR_NO_ERROR ? list : nil
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(message, &timestampType)
        return CloudEventsKafkaBinding.Record(
            key: record.key.map {
                String(decoding: UnsafeRawBufferPointer(start: $0, count: record.key_len), as: UTF8.self)
            },
            value: record.payload.map { Data(bytes: $0, count: record.len) } ?? Data(),
            headers: RDKafkaHeaders(list: headers),
            timestampMilliseconds: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : timestamp
        )
    }

    /// Pauses fetching from every assigned partition, or resumes the partitions it paused.
    private func apply(_ action: ConsumerLifecycle.FetchAction) {
        switch action {
        case .pause:
            var assignment: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
            guard rd_kafka_assignment(handle, &assignment) == RD_KAFKA_RESP_ERR_NO_ERROR, let assignment else { return }
            let partitions = RDKafkaPartitionList(taking: assignment).partitions
            pausePartitions(Set(partitions).subtracting(pausedPartitions))
        case .resume:
            resumePartitions(pausedPartitions)
        case .none, .waitForRoom:
            break
        }
    }

    private func pausePartitions(_ partitions: Set<Int32>) {
        guard !partitions.isEmpty else { return }
        let list = RDKafkaPartitionList(topic: options.topic, partitions: partitions)
        list.withPointer { _ = rd_kafka_pause_partitions(handle, $0) }
        for element in list.elements where element.error == RD_KAFKA_RESP_ERR_NO_ERROR {
            pausedPartitions.insert(element.partition)
        }
    }

    private func resumePartitions(_ partitions: Set<Int32>) {
        let partitions = partitions.intersection(pausedPartitions)
        guard !partitions.isEmpty else { return }
        RDKafkaPartitionList(topic: options.topic, partitions: partitions).withPointer {
            _ = rd_kafka_resume_partitions(handle, $0)
        }
        pausedPartitions.subtract(partitions)
    }

    // MARK: - Rebalancing

    fileprivate func rebalance(
        _ event: rd_kafka_resp_err_t,
        _ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>
    ) {
        // Records polled before the rebalance belong to the assignment before it: hand them
        // over first, so a revocation drops them with the rest of its partitions' buffer, and
        // a partition assigned again never counts them in its new progress, whatever order
        // librdkafka runs its callbacks in.
        if !polled.isEmpty {
            apply(handOver(mayWaitForRoom: false))
        }
        if event == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS {
            assign(partitions)
        } else {
            revoke(partitions)
        }
    }

    private func assign(_ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) {
        let count = Int(list.pointee.cnt)
        let committed = count > 0 ? rd_kafka_committed(handle, list, 10_000) : RD_KAFKA_RESP_ERR_NO_ERROR
        var progress: [(Int32, PartitionProgress)] = []
        for index in 0..<count {
            let element = list.pointee.elems.advanced(by: index)
            let partition = element.pointee.partition
            if committed != RD_KAFKA_RESP_ERR_NO_ERROR || element.pointee.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                // The group's position is unknown here; starting at either end could skip or
                // repeat what the group has not consumed. librdkafka reads the position itself
                // as it starts fetching (`auto.offset.reset` for a group that has none).
                let error = committed != RD_KAFKA_RESP_ERR_NO_ERROR ? committed : element.pointee.err
                options.logger.warning(
                    "Reading the group's committed position failed; fetching starts from it without hand-over metadata",
                    metadata: [
                        "kafka.group": "\(options.group)",
                        "kafka.partition": "\(options.topic)/\(partition)",
                        "error": "\(RDKafkaClient.describe(error))",
                    ]
                )
                element.pointee.offset = Int64(RD_KAFKA_OFFSET_INVALID)
                progress.append((partition, PartitionProgress(start: nil, metadata: nil)))
                continue
            }
            if element.pointee.offset < 0 {
                var low: Int64 = 0
                var high: Int64 = 0
                if rd_kafka_query_watermark_offsets(handle, options.topic, partition, &low, &high, 10_000)
                    == RD_KAFKA_RESP_ERR_NO_ERROR
                {
                    element.pointee.offset = options.subscription.startPosition == .earliest ? low : high
                } else {
                    element.pointee.offset =
                        options.subscription.startPosition == .earliest
                        ? Int64(RD_KAFKA_OFFSET_BEGINNING) : Int64(RD_KAFKA_OFFSET_END)
                }
            }
            if let settled = state.withLock({ $0.refusedPositions.removeValue(forKey: partition) }),
                settled > element.pointee.offset
            {
                element.pointee.offset = settled
            }
            let metadata = element.pointee.metadata.map {
                String(decoding: UnsafeRawBufferPointer(start: $0, count: element.pointee.metadata_size), as: UTF8.self)
            }
            let start = element.pointee.offset
            progress.append((partition, PartitionProgress(start: start >= 0 ? start : nil, metadata: metadata)))
        }
        let action = state.withLock { state in
            for (partition, progress) in progress {
                state.partitions[partition] = progress
            }
            return state.lifecycle.assigned()
        }
        if action.pauseFirst {
            pausePartitions(Set(progress.map(\.0)))
        }
        let failure: String?
        if isCooperative {
            let error = rd_kafka_incremental_assign(handle, list)
            failure = error.map { String(cString: rd_kafka_error_string($0)) }
            error.map { rd_kafka_error_destroy($0) }
        } else {
            let code = rd_kafka_assign(handle, list)
            failure = code == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : RDKafkaClient.describe(code)
        }
        if let failure {
            options.logger.error(
                "Taking on assigned partitions failed",
                metadata: ["kafka.group": "\(options.group)", "error": "\(failure)"]
            )
        }
        if action.completesJoin {
            resume(state.withLock { completeJoin(&$0) })
        }
    }

    private func revoke(_ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) {
        let revoked = Set((0..<Int(list.pointee.cnt)).map { list.pointee.elems[$0].partition })
        let deadline = state.withLock { state in
            state.dropBuffered { revoked.contains($0.partition) }
            return state.lifecycle.revocationStarted(revoked, at: .now)
        }
        waitForSettlements(until: deadline) {
            state.withLock { state in
                state.lifecycle.keepsRevoking(
                    holdsUnsettled: state.partitions.contains {
                        revoked.contains($0.partition) && $0.progress.hasHandedOutUnsettled
                    }
                )
            }
        }
        commit(partitions: revoked, synchronously: true)
        state.withLock { state in
            state.lifecycle.revocationFinished()
            state.dropBuffered { revoked.contains($0.partition) }
            for partition in revoked {
                if let progress = state.partitions.remove(partition) {
                    state.handedOut -= progress.handedOutUnsettledCount
                }
            }
        }
        // Resumed while still assigned: a pause flag left on a partition would outlive the
        // revocation and hold the partition paused whenever it is assigned again.
        resumePartitions(revoked)
        if isCooperative {
            if let error = rd_kafka_incremental_unassign(handle, list) {
                rd_kafka_error_destroy(error)
            }
        } else {
            rd_kafka_assign(handle, nil)
        }
    }

    /// Whether the group rebalances incrementally (only moving partitions are revoked).
    ///
    /// librdkafka names no protocol once the member is no longer part of the group — its
    /// session timed out under load, say — and then the eager unassignment is the one to make.
    private var isCooperative: Bool {
        guard let name = rd_kafka_rebalance_protocol(handle) else { return false }
        return String(cString: name) == "COOPERATIVE"
    }

    /// Commits the settled position of `partitions` (all when `nil`) that moved since the last
    /// commit. A synchronous commit that is refused keeps its positions for a later assignment.
    private func commit(partitions: Set<Int32>?, synchronously: Bool) {
        let positions = state.withLock { state in
            state.partitions.compactMap { partition, progress -> (Int32, Int64, String?)? in
                guard partitions?.contains(partition) ?? true, let position = progress.commitPosition,
                    synchronously || position != progress.committed
                else { return nil }
                state.partitions[partition]!.committed = position
                return (partition, position, synchronously ? progress.handoverMetadata : nil)
            }
        }
        guard !positions.isEmpty else { return }
        let list = RDKafkaPartitionList(capacity: positions.count)
        for (partition, offset, metadata) in positions {
            list.append(topic: options.topic, partition: partition, offset: offset, metadata: metadata)
        }
        guard synchronously else {
            list.withPointer { _ = rd_kafka_commit(handle, $0, 1) }
            return
        }
        let result = commitAndWait(list)
        if result != RD_KAFKA_RESP_ERR_NO_ERROR {
            options.logger.warning(
                "Committing positions failed; the partitions' next owners start before them",
                metadata: [
                    "kafka.group": "\(options.group)",
                    "kafka.topic": "\(options.topic)",
                    "kafka.positions": "\(positions.map { "\($0.0)@\($0.1)" }.joined(separator: ","))",
                    "error": "\(RDKafkaClient.describe(result))",
                ]
            )
        }
        if result != RD_KAFKA_RESP_ERR_NO_ERROR {
            state.withLock { state in
                for (partition, offset, _) in positions {
                    state.refusedPositions[partition] = max(offset, state.refusedPositions[partition] ?? offset)
                }
            }
        }
    }

    /// Commits `list` and waits for the answer until the close deadline, or for
    /// ``Options/commitTimeout`` when the member is not closing; `_TIMED_OUT` when none came.
    ///
    /// `rd_kafka_commit` waits with no bound: with the coordinator unreachable it returned only
    /// when the member's session expired, which held a shutdown for the whole session timeout.
    private func commitAndWait(_ list: RDKafkaPartitionList) -> rd_kafka_resp_err_t {
        let queue = rd_kafka_queue_new(handle)!
        defer { rd_kafka_queue_destroy(queue) }
        let code = list.withPointer { rd_kafka_commit_queue(handle, $0, queue, nil, nil) }
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else { return code }
        let deadline =
            state.withLock { $0.lifecycle.closeDeadline } ?? ContinuousClock.now.advanced(by: options.commitTimeout)
        while true {
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else { return RD_KAFKA_RESP_ERR__TIMED_OUT }
            guard let event = rd_kafka_queue_poll(queue, Int32(clamping: max(1, remaining.milliseconds))) else {
                continue
            }
            defer { rd_kafka_event_destroy(event) }
            if rd_kafka_event_type(event) == RD_KAFKA_EVENT_OFFSET_COMMIT {
                return rd_kafka_event_error(event)
            }
        }
    }

    // MARK: - Handing out

    /// The next delivery, its record read with `reader`; `nil` once the member stopped.
    func next(reading reader: inout CloudEventsKafkaBinding.Reader) async -> Delivery? {
        if Task.isCancelled {
            stop(.immediate)
            return nil
        }
        let pending: Pending?
        if let ready = state.withLock({ takeNext(&$0) }) {
            pending = ready.pending
        } else {
            pending = await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    let ready = state.withLock { state -> Ready? in
                        if let ready = takeNext(&state) { return ready }
                        state.waiter = Parked(continuation)
                        return nil
                    }
                    if let ready {
                        continuation.resume(returning: ready.pending)
                    }
                }
            } onCancel: {
                stop(.immediate)
            }
        }
        return pending.map { delivery(of: $0, reading: &reader) }
    }

    private struct Ready {
        var pending: Pending?
    }

    private func takeNext(_ state: inout State) -> Ready? {
        guard state.lifecycle.handsOut else { return Ready(pending: nil) }
        guard let pending = state.buffer.popFirst() else { return nil }
        state.handedOut += 1
        state.partitions[pending.partition]?.handedOut(pending.offset)
        return Ready(pending: pending)
    }

    // MARK: - Settling

    func acknowledge(_ delivery: Delivery) throws(MessagingError) {
        try settle(delivery)
    }

    func reject(_ delivery: Delivery, requeue: Bool) throws(MessagingError) {
        if requeue {
            try self.requeue(delivery)
        } else {
            try settle(delivery)
        }
    }

    /// Settles `delivery` for good; kept apart from ``requeue(_:)``, which may hand a waiting
    /// `next()` its delivery, so that an acknowledgement holds no continuation (see ``Parked``).
    private func settle(_ delivery: Delivery) throws(MessagingError) {
        let partition = Int32(delivery.partition)
        // Returns only whether to signal the polling thread: an acknowledgement copies nothing
        // out of the lock.
        let signal = state.withLock { state -> Bool? in
            guard takeBack(delivery, &state) else { return nil }
            state.partitions[partition]!.settle(delivery.offset)
            return state.lifecycle.settlementWakesPollingThread(unsettled: state.unsettledCount)
        }
        guard let signal else { throw notPending(delivery) }
        if signal {
            signalSettled()
        }
    }

    /// Hands `delivery` out again as its next attempt: to a waiting `next()`, or first in the
    /// buffer.
    private func requeue(_ delivery: Delivery) throws(MessagingError) {
        let partition = Int32(delivery.partition)
        var handOff: (Parked<Pending?, Never>, Delivery)?
        let signal = state.withLock { state -> Bool? in
            guard takeBack(delivery, &state) else { return nil }
            let again = self.delivery(delivery, asAttempt: delivery.attempt + 1)
            state.partitions[partition]!.requeue(delivery.offset, attempt: again.attempt)
            if state.lifecycle.handsOut, let waiter = state.waiter {
                state.waiter = nil
                state.handedOut += 1
                state.partitions[partition]!.handedOut(delivery.offset)
                handOff = (waiter, again)
                return false
            }
            state.buffer.prepend(.delivery(again))
            return state.lifecycle.settlementWakesPollingThread(unsettled: state.unsettledCount)
        }
        guard let signal else { throw notPending(delivery) }
        if let (waiter, again) = handOff {
            waiter.continuation.resume(returning: .delivery(again))
        }
        if signal {
            signalSettled()
        }
    }

    /// Whether `delivery` is still pending as handed out; if so, the member no longer counts
    /// it as held.
    private func takeBack(_ delivery: Delivery, _ state: inout State) -> Bool {
        guard state.partitions[Int32(delivery.partition)]?.isPending(delivery.offset, attempt: delivery.attempt) == true
        else { return false }
        state.handedOut -= 1
        return true
    }

    private func notPending(_ delivery: Delivery) -> MessagingError {
        MessagingError(
            .deliveryNotPending,
            "Delivery of message \(delivery.message.id) (\(delivery.topic)/\(delivery.partition)@\(delivery.offset), group '\(delivery.group)') was already settled or its partition was reassigned."
        )
    }

    /// Wakes the polling thread if it waits for a settlement or a stop.
    private func signalSettled() {
        settled.lock()
        settled.broadcast()
        settled.unlock()
    }

    // MARK: - Stopping

    /// Stops the member; returns once it has left the group.
    func stop(_ mode: Stop) {
        let waiter = state.withLock { state -> Parked<Pending?, Never>? in
            state.lifecycle.stopRequested(mode)
            state.dropBuffered()
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.continuation.resume(returning: nil)
        signalSettled()
    }

    /// Returns once the member has left its group and its thread has finished.
    func waitUntilClosed() async {
        await withCheckedContinuation { continuation in
            let closed = state.withLock { state in
                guard !state.lifecycle.isClosed else { return true }
                state.closeWaiters.append(continuation)
                return false
            }
            if closed {
                continuation.resume()
            }
        }
    }
}

/// Lets librdkafka's rebalance and log callbacks find the consumer and its logger; lives as long
/// as the consumer's handle.
///
/// The polling thread sets the reference when it starts and clears it when it ends, and
/// librdkafka calls the rebalance callback only inside that thread's polls: only that thread
/// touches it (hence `@unchecked Sendable`). The reference is strong: it makes a cycle only while
/// the thread runs, which holds the consumer anyway, and a weak one would move the consumer's
/// reference count to a side table, slowing the retain every delivery makes.
final class ConsumerCallbacks: RDKafkaCallbacks, @unchecked Sendable {
    var consumer: RDKafkaConsumer?
    let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }
}

/// Called by librdkafka on the consumer's thread for every partition assignment and revocation;
/// the client's opaque, a C callback's only context, leads to the consumer.
private let rebalanceCallback:
    @convention(c) (
        OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?,
        UnsafeMutableRawPointer?
    ) -> Void = { handle, event, partitions, opaque in
        guard let opaque, let partitions else { return }
        guard let consumer = Unmanaged<ConsumerCallbacks>.fromOpaque(opaque).takeUnretainedValue().consumer else {
            if String(cString: rd_kafka_rebalance_protocol(handle)) == "COOPERATIVE" {
                if let error = rd_kafka_incremental_unassign(handle, partitions) {
                    rd_kafka_error_destroy(error)
                }
            } else {
                rd_kafka_assign(handle, nil)
            }
            return
        }
        consumer.rebalance(event, partitions)
    }
