import Messaging

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension ScenarioContext {
    func run() async throws {
        switch scenario {
        case .publishSubscribe: try await publishSubscribe()
        case .concurrentPublishers: try await concurrentPublishers()
        case .competingConsumers: try await competingConsumers()
        case .fanOutToGroups: try await fanOutToGroups()
        case .orderPerKey: try await orderPerKey()
        case .rejectRedelivers: try await rejectRedelivers()
        case .rejectWithoutRequeueSkips: try await rejectWithoutRequeueSkips()
        case .unacknowledgedRedeliveredAfterClose: try await unacknowledgedRedeliveredAfterClose()
        case .resubscribeContinuesWhereLeftOff: try await resubscribeContinuesWhereLeftOff()
        case .publisherShutdownKeepsAcceptedBatches: try await publisherShutdownKeepsAcceptedBatches()
        case .attributesAndHeadersRoundTrip: try await attributesAndHeadersRoundTrip()
        case .emptyPayload: try await emptyPayload()
        case .largePayload: try await largePayload()
        case .binaryAndUnicodeContent: try await binaryAndUnicodeContent()
        case .newGroupFromEarliest: try await newGroupFromEarliest()
        case .newGroupFromLatest: try await newGroupFromLatest()
        case .operationsAfterShutdownFail: try await operationsAfterShutdownFail()
        case .shutdownEndsSubscriptions: try await shutdownEndsSubscriptions()
        case .invalidBatchPublishesNothing: try await invalidBatchPublishesNothing()
        case .invalidNamesRejected: try await invalidNamesRejected()
        case .settlingTwiceFails: try await settlingTwiceFails()
        case .soak: try await soak()
        }
    }

    // MARK: - Delivery

    func publishSubscribe() async throws {
        let deliveries = try await subscribe(first, group: "subscriber")
        let sent = messages(100)
        try await publish(sent, on: first, batchSize: 10)
        try expectSameIDs(try await receive(100, from: deliveries), sent)
    }

    func concurrentPublishers() async throws {
        let deliveries = try await subscribe(first, group: "subscriber")
        let second = try await newTransport()
        let publishers = 8
        let perPublisher = 125
        let batches = (0..<publishers).map { messages(perPublisher, label: "p\($0)") }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, batch) in batches.enumerated() {
                let transport = index.isMultiple(of: 2) ? first : second
                group.addTask { try await self.publish(batch, on: transport) }
            }
            try await group.waitForAll()
        }
        try expectSameIDs(try await receive(publishers * perPublisher, from: deliveries), batches.flatMap { $0 })
    }

    func competingConsumers() async throws {
        let members = 4
        var subscriptions: [Transport.Deliveries] = []
        for member in 0..<members {
            let transport = member < 2 ? first : try await newTransport()
            subscriptions.append(try await subscribe(transport, group: "workers"))
        }
        let sent = (0..<1000).map { index in
            Message(type: "conformance.work", key: "key-\(index % 100)", payload: Data("work-\(index)".utf8))
        }
        try await publish(sent, on: first, batchSize: 50)
        let tally = try await consume(sent.count, by: subscriptions)
        try expect(tally.duplicates.isEmpty, "messages went to more than one member: \(tally.duplicates.prefix(5))")
        try expect(tally.uniqueCount == sent.count, "members received \(tally.uniqueCount) of \(sent.count) messages")
        try expect(
            tally.membersThatReceived >= 2,
            "only \(tally.membersThatReceived) of \(members) members received messages; the group did not share the work"
        )
    }

    func fanOutToGroups() async throws {
        let groups = ["inventory", "billing", "audit"]
        var subscriptions: [Transport.Deliveries] = []
        for group in groups {
            subscriptions.append(try await subscribe(try await newTransport(), group: group))
        }
        let sent = messages(200)
        try await publish(sent, on: first)
        for (group, deliveries) in zip(groups, subscriptions) {
            let received = try await receive(sent.count, from: deliveries)
            try expect(Set(received.map(\.group)) == [group], "deliveries of group '\(group)' name another group")
            try expectSameIDs(received, sent)
        }
    }

    func orderPerKey() async throws {
        let deliveries = try await subscribe(first, group: "ordered")
        let keys = ["alpha", "bravo", "charlie", "delta", "echo"]
        let perKey = 100
        var sent: [Message] = []
        for sequence in 0..<perKey {
            for key in keys {
                sent.append(
                    Message(
                        type: "conformance.ordered",
                        key: key,
                        headers: ["seq": String(sequence)],
                        payload: Data("\(key)-\(sequence)".utf8)
                    )
                )
            }
        }
        try await publish(sent, on: first, batchSize: 23)
        let received = try await receive(sent.count, from: deliveries)
        var next: [String: Int] = [:]
        for delivery in received {
            let key = delivery.message.key ?? ""
            let sequence = Int(delivery.message.headers["seq"] ?? "") ?? -1
            try expect(
                sequence == next[key, default: 0],
                "key '\(key)' delivered sequence \(sequence) where \(next[key, default: 0]) was next"
            )
            next[key] = sequence + 1
        }
        try expect(next.values.allSatisfy { $0 == perKey }, "not every key delivered all \(perKey) messages: \(next)")
    }

    func soak() async throws {
        var subscriptions: [Transport.Deliveries] = []
        // From the earliest offset: a member may get a partition only after its first records
        // were stored (on Kafka, a rebalance once the new topic's partitions are known), and
        // from the latest offset it would start after them.
        for _ in 0..<3 {
            subscriptions.append(try await subscribe(try await newTransport(), group: "soak", from: .earliest))
        }
        let publishers = 4
        let perPublisher = 2500
        let batches = (0..<publishers).map { publisher in
            (0..<perPublisher).map { index in
                Message(
                    type: "conformance.soak",
                    key: "key-\(index % 64)",
                    payload: Data("p\(publisher)-\(index)".utf8)
                )
            }
        }
        let total = publishers * perPublisher
        let members = subscriptions
        let tally = try await withThrowingTaskGroup(of: Tally?.self) { group in
            group.addTask { try await self.consume(total, by: members) }
            for batch in batches {
                let transport = try await newTransport()
                group.addTask {
                    try await self.publish(batch, on: transport, batchSize: 50)
                    return nil
                }
            }
            var tally: Tally?
            for try await result in group {
                tally = tally ?? result
            }
            return tally!
        }
        try expect(tally.duplicates.isEmpty, "\(tally.duplicates.count) messages were delivered twice within the group")
        try expect(tally.uniqueCount == total, "the group received \(tally.uniqueCount) of \(total) messages")
    }

    /// Lets every member consume and acknowledge until `count` distinct messages arrived.
    func consume(_ count: Int, by subscriptions: [Transport.Deliveries]) async throws -> Tally {
        let tally = Tally(expected: count)
        _ = try await withDeadline("\(count) messages across \(subscriptions.count) members") {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (member, deliveries) in subscriptions.enumerated() {
                    group.addTask {
                        for try await delivery in deliveries {
                            try delivery.acknowledge()
                            if tally.record(delivery.message.id, member: member) { return }
                        }
                    }
                }
                try await group.next()
                group.cancelAll()
            }
            return true
        }
        return tally
    }
}
