import Messaging

extension ScenarioContext {
    func rejectRedelivers() async throws {
        let deliveries = try await subscribe(first, group: "rejecting")
        let sent = messages(10, key: "one-key")
        try await publish(sent, on: first)
        let received = try await receive(10, from: deliveries, settle: .leaveUnsettled)
        try expectSameIDs(received, sent, ordered: true)
        let rejected = received[3]
        for delivery in received {
            if delivery.message.id == rejected.message.id {
                try delivery.reject()
            } else {
                try delivery.acknowledge()
            }
        }
        let again = try await receive(1, from: deliveries)[0]
        try expect(
            again.message == rejected.message,
            "after a rejection the group received \(describe([again])), not the rejected message"
        )
        try expect(
            again.attempt == rejected.attempt + 1,
            "the redelivered message has attempt \(again.attempt); expected \(rejected.attempt + 1)"
        )
        try await expectNothingMore(from: deliveries, key: "one-key")
    }

    func rejectWithoutRequeueSkips() async throws {
        let deliveries = try await subscribe(first, group: "skipping")
        let sent = messages(2, key: "one-key")
        try await publish(sent, on: first)
        let received = try await receive(2, from: deliveries, settle: .leaveUnsettled)
        try received[0].reject(requeue: false)
        try received[1].acknowledge()
        try await expectNothingMore(from: deliveries, key: "one-key")
    }

    func unacknowledgedRedeliveredAfterClose() async throws {
        let leaving = try await subscribe(first, group: "handover")
        let sent = messages(50, key: "one-key")
        try await publish(sent, on: first)
        let received = try await receive(50, from: leaving, settle: .leaveUnsettled)
        for delivery in received.prefix(20) {
            try delivery.acknowledge()
        }
        await leaving.close()
        let staying = try await subscribe(try await newTransport(), group: "handover")
        let redelivered = try await receive(30, from: staying)
        try expectSameIDs(redelivered, Array(sent.suffix(30)), ordered: true)
        try expect(
            redelivered.allSatisfy { $0.attempt >= 2 },
            "redelivered messages must count their earlier delivery; attempts were \(redelivered.map(\.attempt))"
        )
        try await expectNothingMore(from: staying, key: "one-key")
    }

    func resubscribeContinuesWhereLeftOff() async throws {
        let before = try await subscribe(first, group: "resuming")
        let sent = messages(40, key: "one-key")
        try await publish(sent, on: first)
        let handled = try await receive(20, from: before)
        try expectSameIDs(handled, Array(sent.prefix(20)), ordered: true)
        await before.close()
        let later = messages(10, key: "one-key", first: 40)
        try await publish(later, on: first)
        let after = try await subscribe(first, group: "resuming")
        let rest = try await receive(30, from: after)
        try expectSameIDs(rest, Array(sent.suffix(20)) + later, ordered: true)
        try await expectNothingMore(from: after, key: "one-key")
    }

    func settlingTwiceFails() async throws {
        let deliveries = try await subscribe(first, group: "settling")
        try await publish(messages(2, key: "one-key"), on: first)
        let received = try await receive(2, from: deliveries, settle: .leaveUnsettled)
        try received[0].acknowledge()
        try await expectError(.deliveryNotPending, "acknowledging a delivery twice") {
            try received[0].acknowledge()
        }
        try await expectError(.deliveryNotPending, "rejecting an acknowledged delivery") {
            try received[0].reject()
        }
        try received[1].reject()
        try await expectError(.deliveryNotPending, "acknowledging a rejected delivery") {
            try received[1].acknowledge()
        }
        let again = try await receive(1, from: deliveries)[0]
        try expect(again.message.id == received[1].message.id, "the rejected message was not the one delivered again")
        try await expectNothingMore(from: deliveries, key: "one-key")
    }
}
