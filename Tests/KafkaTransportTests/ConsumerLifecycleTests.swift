import Messaging
import Testing

@testable import KafkaTransport

@Suite("Consumer lifecycle")
struct ConsumerLifecycleTests {
    /// A fixed point in time; transitions read no clock.
    static let start = ContinuousClock.now

    static func lifecycle(prefetch: Int = 8) -> ConsumerLifecycle {
        ConsumerLifecycle(
            prefetch: prefetch,
            roomWait: .seconds(1),
            revocationGracePeriod: .milliseconds(100),
            closeTimeout: .seconds(10),
            joinDeadline: start.advanced(by: .seconds(30))
        )
    }

    static func at(_ offset: Duration) -> ContinuousClock.Instant {
        start.advanced(by: offset)
    }

    static let timedOut = MessagingError(.timedOut, "no assignment")

    static func failure(of lifecycle: ConsumerLifecycle) -> MessagingError.Code? {
        guard case .failure(let error) = lifecycle.joinOutcome else { return nil }
        return error.code
    }

    @Test func theFirstAssignmentCompletesTheJoinOnce() {
        var lifecycle = Self.lifecycle()
        #expect(lifecycle.phase == .joining(deadline: Self.at(.seconds(30))))
        #expect(lifecycle.joinOutcome == nil)
        #expect(lifecycle.handsOut)

        #expect((lifecycle.assigned()) == .init(pauseFirst: false, completesJoin: true))
        #expect(lifecycle.phase == .running)
        #expect(Self.failure(of: lifecycle) == nil && lifecycle.joinOutcome != nil)
        #expect((lifecycle.assigned()) == .init(pauseFirst: false, completesJoin: false))
        let failedLate = lifecycle.joinDeadlinePassed(at: Self.at(.seconds(60)), failing: Self.timedOut)
        #expect(!failedLate)
    }

    @Test func theJoinFailsAtItsDeadlineAndTheMemberLeaves() {
        var lifecycle = Self.lifecycle()
        let failedEarly = lifecycle.joinDeadlinePassed(at: Self.at(.seconds(29)), failing: Self.timedOut)
        #expect(!failedEarly)
        let failedOnTime = lifecycle.joinDeadlinePassed(at: Self.at(.seconds(30)), failing: Self.timedOut)
        #expect(failedOnTime)
        #expect(Self.failure(of: lifecycle) == .timedOut)
        #expect(lifecycle.stop == .immediate)
        #expect(!lifecycle.handsOut)
        #expect(lifecycle.shouldLeave(handedOut: 0))

        // An assignment that comes after all changes the failed join into nothing.
        #expect((lifecycle.assigned()).completesJoin == false)
        #expect(Self.failure(of: lifecycle) == .timedOut)
    }

    @Test func aFailedSubscriptionFailsTheJoin() {
        var lifecycle = Self.lifecycle()
        let refused = MessagingError(.transportFailure, "subscribing failed")
        lifecycle.failJoin(refused)
        #expect(Self.failure(of: lifecycle) == .transportFailure)
        #expect(lifecycle.shouldLeave(handedOut: 0))
    }

    @Test func aFullPrefetchWaitsForRoomThenPausesUntilHalfIsSettled() {
        var lifecycle = Self.lifecycle(prefetch: 8)
        _ = lifecycle.assigned()
        #expect(lifecycle.room(unsettled: 3) == 5)
        #expect((lifecycle.polled(unsettled: 7, at: Self.start)) == .none)

        #expect((lifecycle.polled(unsettled: 8, at: Self.start)) == .waitForRoom(deadline: Self.at(.seconds(1))))
        #expect(lifecycle.fetching == .waitingForRoom(deadline: Self.at(.seconds(1))))
        #expect(lifecycle.roomWaits == 1)
        #expect(lifecycle.room(unsettled: 8) == 0)
        #expect(lifecycle.keepsWaitingForRoom(unsettled: 5))
        #expect(!lifecycle.settlementWakesPollingThread(unsettled: 5))
        #expect(lifecycle.settlementWakesPollingThread(unsettled: 4))
        #expect(!lifecycle.keepsWaitingForRoom(unsettled: 4))

        // The wait ended at its deadline with the prefetch still full: fetching pauses.
        #expect((lifecycle.roomWaitEnded(unsettled: 8)) == .pause)
        #expect(lifecycle.isPaused)
        #expect(lifecycle.pauses == 1)
        #expect(lifecycle.polled(unsettled: 8, at: Self.at(.seconds(2))) == .none)
        #expect(lifecycle.polled(unsettled: 5, at: Self.at(.seconds(2))) == .none)
        #expect(lifecycle.polled(unsettled: 4, at: Self.at(.seconds(2))) == .resume)
        #expect(lifecycle.fetching == .flowing)
        #expect(lifecycle.pauses == 1)
    }

    @Test func aWaitForRoomThatEndsWithSomeRoomGoesOnFetching() {
        var lifecycle = Self.lifecycle(prefetch: 8)
        _ = lifecycle.assigned()
        _ = lifecycle.polled(unsettled: 8, at: Self.start)
        #expect((lifecycle.roomWaitEnded(unsettled: 6)) == .none)
        #expect(lifecycle.fetching == .flowing)
        #expect(lifecycle.pauses == 0)
    }

    @Test func stoppingDuringAWaitForRoomEndsItAndPauses() {
        var lifecycle = Self.lifecycle(prefetch: 8)
        _ = lifecycle.assigned()
        _ = lifecycle.polled(unsettled: 8, at: Self.start)
        lifecycle.stopRequested(.immediate)
        #expect(!lifecycle.keepsWaitingForRoom(unsettled: 8))
        #expect((lifecycle.roomWaitEnded(unsettled: 8)) == .pause)
        #expect(lifecycle.shouldLeave(handedOut: 8))
    }

    @Test func aGracefulStopPausesAndLeavesOnceNothingIsHandedOut() {
        var lifecycle = Self.lifecycle()
        _ = lifecycle.assigned()
        lifecycle.stopRequested(.graceful)
        #expect(!lifecycle.handsOut)
        #expect((lifecycle.polled(unsettled: 2, at: Self.start)) == .pause)
        #expect((lifecycle.polled(unsettled: 0, at: Self.start)) == .none, "a stopping member stays paused")
        #expect(lifecycle.settlementWakesPollingThread(unsettled: 1))
        #expect(!lifecycle.shouldLeave(handedOut: 1))
        #expect(lifecycle.shouldLeave(handedOut: 0))

        lifecycle.stopRequested(.immediate)
        #expect(lifecycle.shouldLeave(handedOut: 1))
        lifecycle.stopRequested(.graceful)
        #expect(lifecycle.stop == .immediate, "a graceful stop does not undo an immediate one")
    }

    @Test func aRevocationInTheMiddleOfABatchWaitsForWhatIsHeldThenGoesOn() {
        var lifecycle = Self.lifecycle()
        _ = lifecycle.assigned()
        #expect(!lifecycle.settlementWakesPollingThread(unsettled: 3))

        let deadline = lifecycle.revocationStarted([0, 1], at: Self.start)
        #expect(deadline == Self.at(.milliseconds(100)))
        #expect(lifecycle.phase == .revoking(partitions: [0, 1], deadline: deadline, then: .running))
        #expect(lifecycle.keepsRevoking(holdsUnsettled: true))
        #expect(lifecycle.settlementWakesPollingThread(unsettled: 3), "each settlement may end the revocation")
        #expect(!lifecycle.keepsRevoking(holdsUnsettled: false))
        #expect((lifecycle.handedOver(unsettled: 3)) == .none)

        lifecycle.revocationFinished()
        #expect(lifecycle.phase == .running)
        #expect(lifecycle.handsOut)
    }

    @Test func aRevocationBeforeTheFirstAssignmentGoesBackToJoining() {
        var lifecycle = Self.lifecycle()
        _ = lifecycle.revocationStarted([], at: Self.start)
        #expect(!lifecycle.keepsRevoking(holdsUnsettled: false))
        lifecycle.revocationFinished()
        #expect(lifecycle.phase == .joining(deadline: Self.at(.seconds(30))))
        #expect((lifecycle.assigned()).completesJoin)
    }

    @Test func aPausedMemberStaysPausedThroughTwoRebalancesAndResumesOnceThereIsRoom() {
        var lifecycle = Self.lifecycle(prefetch: 8)
        _ = lifecycle.assigned()
        _ = lifecycle.polled(unsettled: 8, at: Self.start)
        #expect((lifecycle.roomWaitEnded(unsettled: 8)) == .pause)

        for round in 1...2 {
            _ = lifecycle.revocationStarted([0, 1, 2, 3], at: Self.at(.seconds(round)))
            #expect(lifecycle.keepsRevoking(holdsUnsettled: true))
            lifecycle.revocationFinished()
            #expect(lifecycle.isPaused, "round \(round): the revocation resumed fetching")
            #expect(
                lifecycle.assigned() == .init(pauseFirst: true, completesJoin: false),
                "round \(round): the new partitions would start fetching unpaused"
            )
            #expect((lifecycle.handedOver(unsettled: 8)) == .none)
        }
        #expect(lifecycle.pauses == 1)
        #expect(lifecycle.polled(unsettled: 4, at: Self.at(.seconds(3))) == .resume)
        #expect((lifecycle.assigned()) == .init(pauseFirst: false, completesJoin: false))
    }

    @Test func closingDuringARevocationEndsTheWaitAndLeavesWithinTheCloseTimeout() {
        var lifecycle = Self.lifecycle()
        _ = lifecycle.assigned()
        _ = lifecycle.revocationStarted([5], at: Self.start)
        lifecycle.stopRequested(.immediate)
        #expect(!lifecycle.keepsRevoking(holdsUnsettled: true), "an immediate stop does not wait for the application")
        lifecycle.revocationFinished()
        #expect(lifecycle.shouldLeave(handedOut: 1))

        let deadline = lifecycle.leaving(at: Self.at(.seconds(1)))
        #expect(deadline == Self.at(.seconds(11)))
        #expect(lifecycle.phase == .closing(deadline: deadline))
        #expect(lifecycle.closeDeadline == deadline)

        // Leaving the group revokes what the member still holds, within the same deadline.
        _ = lifecycle.revocationStarted([6], at: Self.at(.seconds(2)))
        #expect(lifecycle.closeDeadline == deadline)
        #expect(!lifecycle.keepsRevoking(holdsUnsettled: true))
        lifecycle.revocationFinished()
        #expect(lifecycle.phase == .closing(deadline: deadline))
        #expect((lifecycle.assigned()).completesJoin == false)

        lifecycle.left()
        #expect(lifecycle.isClosed)
        #expect(lifecycle.closeDeadline == nil)
        #expect(!lifecycle.handsOut)
    }

    @Test func leavingWithoutAStopRequestStopsTheMember() {
        var lifecycle = Self.lifecycle()
        _ = lifecycle.leaving(at: Self.start)
        #expect(lifecycle.stop == .immediate)
        #expect(!lifecycle.handsOut)
    }

    @Test func anImpossibleTransitionTrapsNamingThePhase() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var lifecycle = ConsumerLifecycleTests.lifecycle()
            _ = lifecycle.assigned()
            _ = lifecycle.revocationStarted([3], at: ContinuousClock.now)
            _ = lifecycle.assigned()
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(
            message.contains("cannot take an assignment while revoking partitions [3] (then running)"),
            "\(message)"
        )
    }

    @Test func eventsAfterClosingTrap() async {
        await #expect(processExitsWith: .failure) {
            var lifecycle = ConsumerLifecycleTests.lifecycle()
            _ = lifecycle.leaving(at: ContinuousClock.now)
            lifecycle.left()
            _ = lifecycle.revocationStarted([0], at: ContinuousClock.now)
        }
        await #expect(processExitsWith: .failure) {
            var lifecycle = ConsumerLifecycleTests.lifecycle()
            _ = lifecycle.leaving(at: ContinuousClock.now)
            _ = lifecycle.leaving(at: ContinuousClock.now)
        }
    }
}
