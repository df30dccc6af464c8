import Messaging

/// Where one group member stands, as a value: each event the polling thread or an application
/// task reports is a transition that returns what the member must do next.
///
/// The lifecycle makes no C call and reads no clock: its caller passes the time in and carries
/// the actions out, so every transition is tested without a cluster. A transition the member's
/// own ordering rules out (an assignment in the middle of a revocation, a second leave, an event
/// after closing) traps, naming the phase it came in.
struct ConsumerLifecycle {
    /// How stopping proceeds.
    enum Stop {
        /// Keep consuming.
        case none
        /// Hand out nothing more; leave once every handed-out delivery is settled.
        case graceful
        /// Leave now; unsettled deliveries go to the group's next owner.
        case immediate
    }

    /// Where the member is in the group.
    indirect enum Phase: Equatable {
        /// Subscribed, waiting for the first assignment until `deadline`.
        case joining(deadline: ContinuousClock.Instant)
        /// Assigned; taking records and handing them out.
        case running
        /// Giving `partitions` up: waiting until `deadline` for the application to settle what it
        /// holds of them, then committing; `then` is the phase the member goes back to.
        case revoking(partitions: Set<Int32>, deadline: ContinuousClock.Instant, then: Phase)
        /// Committing and leaving the group, at most until `deadline`.
        case closing(deadline: ContinuousClock.Instant)
        /// Out of the group; the polling thread has finished.
        case closed
    }

    /// How the member takes records from librdkafka.
    enum Fetching: Equatable {
        /// Polling.
        case flowing
        /// Not polling: the member holds its whole prefetch and waits until `deadline` for the
        /// application to settle half of it.
        case waitingForRoom(deadline: ContinuousClock.Instant)
        /// Fetching is paused on every partition the member holds or is assigned.
        case paused
    }

    /// What the polling thread does about fetching after a transition.
    enum FetchAction: Equatable {
        case none
        /// Pause fetching on every assigned partition.
        case pause
        /// Resume the partitions the member paused.
        case resume
        /// Stop polling until the application made room or `deadline` passed; see
        /// ``ConsumerLifecycle/roomWaitEnded(unsettled:)``.
        case waitForRoom(deadline: ContinuousClock.Instant)
    }

    /// What the polling thread does with an assignment.
    struct AssignAction: Equatable {
        /// Pause the assigned partitions before taking them on, so that no pause follows the
        /// start of fetching.
        var pauseFirst: Bool
        /// This assignment ends the join: wake the task waiting in `join()`.
        var completesJoin: Bool
    }

    /// The most deliveries the member holds unsettled.
    let prefetch: Int
    /// How long the polling thread waits for room before pausing fetching.
    let roomWait: Duration
    /// How long a revocation waits for the application to settle what it holds.
    let revocationGracePeriod: Duration
    /// How long leaving may take when the coordinator does not answer.
    let closeTimeout: Duration

    private(set) var phase: Phase
    private(set) var fetching = Fetching.flowing
    private(set) var stop = Stop.none
    /// How the join ended; `nil` while the member waits for its first assignment.
    private(set) var joinOutcome: Result<Void, MessagingError>?
    /// How often the polling thread waited for room.
    private(set) var roomWaits = 0
    /// How often fetching was paused.
    private(set) var pauses = 0

    init(
        prefetch: Int,
        roomWait: Duration,
        revocationGracePeriod: Duration,
        closeTimeout: Duration,
        joinDeadline: ContinuousClock.Instant
    ) {
        self.prefetch = prefetch
        self.roomWait = roomWait
        self.revocationGracePeriod = revocationGracePeriod
        self.closeTimeout = closeTimeout
        phase = .joining(deadline: joinDeadline)
    }

    var isClosed: Bool { phase == .closed }

    var isPaused: Bool { fetching == .paused }

    /// When leaving must end, once it started.
    var closeDeadline: ContinuousClock.Instant? {
        if case .closing(let deadline) = phase { return deadline }
        if case .revoking(_, _, .closing(let deadline)) = phase { return deadline }
        return nil
    }

    /// Whether the member hands deliveries out.
    var handsOut: Bool { stop == .none && phase != .closed }

    /// How many more deliveries the member may take while it holds `unsettled`.
    func room(unsettled: Int) -> Int {
        max(0, prefetch - unsettled)
    }

    /// Whether the member holds at most half its prefetch: the point at which a member that
    /// stopped polling or paused fetching goes on.
    private func hasRoom(unsettled: Int) -> Bool {
        unsettled <= prefetch / 2
    }

    /// The phase in words, for traps: partitions in order, no instants.
    private static func describe(_ phase: Phase) -> String {
        switch phase {
        case .joining: "joining"
        case .running: "running"
        case .revoking(let partitions, _, let then):
            "revoking partitions \(partitions.sorted()) (then \(describe(then)))"
        case .closing: "closing"
        case .closed: "closed"
        }
    }

    private func trap(_ event: String) -> Never {
        preconditionFailure("A Kafka group member cannot \(event) while \(Self.describe(phase))")
    }

    // MARK: - Joining

    /// The first assignment did not come by the join deadline at `now`; fails the join with
    /// `error` and stops the member. Returns whether it did.
    mutating func joinDeadlinePassed(at now: ContinuousClock.Instant, failing error: @autoclosure () -> MessagingError)
        -> Bool
    {
        guard case .joining(let deadline) = phase, now >= deadline else { return false }
        failJoin(error())
        return true
    }

    /// The member could not join (its subscription failed, or the join deadline passed): the
    /// join fails with `error` and the member stops.
    mutating func failJoin(_ error: MessagingError) {
        guard case .joining = phase else { trap("fail to join") }
        joinOutcome = .failure(error)
        stop = .immediate
    }

    /// librdkafka assigned partitions.
    mutating func assigned() -> AssignAction {
        switch phase {
        case .joining:
            phase = .running
            let completesJoin = joinOutcome == nil
            if completesJoin {
                joinOutcome = .success(())
            }
            return AssignAction(pauseFirst: isPaused, completesJoin: completesJoin)
        case .running, .closing:
            return AssignAction(pauseFirst: isPaused, completesJoin: false)
        case .revoking, .closed:
            trap("take an assignment")
        }
    }

    // MARK: - Revoking

    /// librdkafka revokes `partitions` at `now`: the member waits for them until the returned
    /// deadline (see ``keepsRevoking(holdsUnsettled:)``), then commits and calls
    /// ``revocationFinished()``.
    mutating func revocationStarted(
        _ partitions: Set<Int32>,
        at now: ContinuousClock.Instant
    ) -> ContinuousClock.Instant {
        switch phase {
        case .joining, .running, .closing:
            let deadline = now.advanced(by: revocationGracePeriod)
            phase = .revoking(partitions: partitions, deadline: deadline, then: phase)
            return deadline
        case .revoking, .closed:
            trap("start a revocation")
        }
    }

    /// Whether a revocation still waits, while the application holds unsettled deliveries of
    /// the revoked partitions (`holdsUnsettled`): not once the member stops at once.
    func keepsRevoking(holdsUnsettled: Bool) -> Bool {
        guard case .revoking = phase else { trap("wait for a revocation") }
        return holdsUnsettled && stop != .immediate
    }

    /// The revoked partitions were committed and given up.
    mutating func revocationFinished() {
        guard case .revoking(_, _, let then) = phase else { trap("finish a revocation") }
        phase = then
    }

    // MARK: - Flow control

    /// Decides fetching after a poll, while the member holds `unsettled` deliveries at `now`:
    /// pause when stopping, resume once there is room, and wait for room when the prefetch is
    /// full.
    mutating func polled(unsettled: Int, at now: ContinuousClock.Instant) -> FetchAction {
        let action = handedOver(unsettled: unsettled)
        guard action == .none, fetching == .flowing, stop == .none, unsettled >= prefetch else { return action }
        let deadline = now.advanced(by: roomWait)
        fetching = .waitingForRoom(deadline: deadline)
        roomWaits += 1
        return .waitForRoom(deadline: deadline)
    }

    /// Decides fetching after records were handed over where the polling thread cannot wait (in
    /// a rebalance), while the member holds `unsettled` deliveries: pause when stopping, resume
    /// once there is room.
    mutating func handedOver(unsettled: Int) -> FetchAction {
        switch fetching {
        case .waitingForRoom:
            trap("take records during a wait for room")
        case .flowing where stop != .none:
            return pause()
        case .paused where stop == .none && hasRoom(unsettled: unsettled):
            fetching = .flowing
            return .resume
        case .flowing, .paused:
            return .none
        }
    }

    /// Whether a wait for room goes on while the member holds `unsettled` deliveries.
    func keepsWaitingForRoom(unsettled: Int) -> Bool {
        guard case .waitingForRoom = fetching else { trap("wait for room without one") }
        return stop == .none && !hasRoom(unsettled: unsettled)
    }

    /// The wait for room ended, with `unsettled` deliveries held: fetching pauses if the
    /// prefetch is still full or the member stops.
    mutating func roomWaitEnded(unsettled: Int) -> FetchAction {
        guard case .waitingForRoom = fetching else { trap("end a wait for room without one") }
        fetching = .flowing
        return stop != .none || unsettled >= prefetch ? pause() : .none
    }

    private mutating func pause() -> FetchAction {
        fetching = .paused
        pauses += 1
        return .pause
    }

    /// Whether a settlement, after which the member holds `unsettled` deliveries, is one the
    /// polling thread waits for: during a revocation, a graceful stop, or a wait for room.
    func settlementWakesPollingThread(unsettled: Int) -> Bool {
        if case .revoking = phase { return true }
        if case .waitingForRoom = fetching, hasRoom(unsettled: unsettled) { return true }
        return stop == .graceful
    }

    // MARK: - Stopping

    /// The application asks the member to stop; an immediate stop overrides a graceful one.
    mutating func stopRequested(_ mode: Stop) {
        if mode == .immediate || stop == .none {
            stop = mode
        }
    }

    /// Whether the polling thread leaves the group now, while the application holds
    /// `handedOut` deliveries.
    func shouldLeave(handedOut: Int) -> Bool {
        stop == .immediate || (stop == .graceful && handedOut == 0)
    }

    /// The polling thread starts to leave the group at `now`; returns when leaving must end.
    mutating func leaving(at now: ContinuousClock.Instant) -> ContinuousClock.Instant {
        switch phase {
        case .joining, .running:
            stop = .immediate
            let deadline = now.advanced(by: closeTimeout)
            phase = .closing(deadline: deadline)
            return deadline
        case .revoking, .closing, .closed:
            trap("start leaving")
        }
    }

    /// The member left the group; its thread ends.
    mutating func left() {
        guard case .closing = phase else { trap("finish leaving") }
        phase = .closed
    }
}
