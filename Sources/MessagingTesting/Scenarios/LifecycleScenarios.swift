import Messaging

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension ScenarioContext {
    func publisherShutdownKeepsAcceptedBatches() async throws {
        let publisher = try await newTransport()
        let settled = (0..<10).map { messages(10, key: "one-key", label: "settled\($0)") }
        for batch in settled {
            try await publisher.publish(batch, to: topic)
        }
        let racing = (0..<10).map { messages(10, key: "one-key", label: "racing\($0)") }
        let accepted = Locked<[[Message]]>(settled)
        let refused = Locked<[[Message]]>([])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for batch in racing {
                group.addTask {
                    do {
                        try await publisher.publish(batch, to: self.topic)
                        accepted.withLock { $0.append(batch) }
                    } catch let error as MessagingError where error.code == .shutDown {
                        refused.withLock { $0.append(batch) }
                    }
                }
            }
            group.addTask { await publisher.shutdown() }
            try await group.waitForAll()
        }
        let kept = accepted.withLock { $0.flatMap { $0 } }
        let lost = refused.withLock { $0.flatMap { $0 } }
        let deliveries = try await subscribe(try await newTransport(), group: "after-shutdown", from: .earliest)
        let received = try await receive(kept.count, from: deliveries)
        try expectSameIDs(received, kept)
        let refusedIDs = Set(lost.map(\.id))
        try expect(
            !received.contains { refusedIDs.contains($0.message.id) },
            "a batch refused at shutdown was published"
        )
        try await expectNothingMore(from: deliveries, key: "one-key")
    }

    func operationsAfterShutdownFail() async throws {
        await first.shutdown()
        try await expectError(.shutDown, "publish after shutdown") {
            try await first.publish(messages(1), to: topic)
        }
        try await expectError(.shutDown, "publishing an empty batch after shutdown") {
            try await first.publish([], to: topic)
        }
        try await expectError(.shutDown, "subscribe after shutdown") {
            _ = try await first.subscribe(to: topic, group: "too-late")
        }
    }

    func shutdownEndsSubscriptions() async throws {
        let stopping = try await newTransport()
        let deliveries = try await subscribe(stopping, group: "stopping")
        let sent = messages(5, key: "one-key")
        try await publish(sent, on: first)
        await stopping.shutdown()
        let leftover = try await withDeadline("the subscription to end after shutdown") {
            var count = 0
            for try await delivery in deliveries {
                try? delivery.acknowledge()
                count += 1
            }
            return count
        }
        try expect(leftover == 0, "a subscription handed out \(leftover) deliveries after its transport shut down")
        let successor = try await subscribe(first, group: "stopping")
        try expectSameIDs(try await receive(5, from: successor), sent, ordered: true)
    }

    func invalidBatchPublishesNothing() async throws {
        let deliveries = try await subscribe(first, group: "guarded")
        let limit = first.capabilities.maximumMessageBytes
        let oversized = Message(type: "conformance.oversized", key: "one-key", payload: Data(count: limit + 1))
        try await expectError(.messageTooLarge, "a batch with a message over the size limit") {
            try await first.publish(messages(1, key: "one-key") + [oversized] + messages(1, key: "one-key"), to: topic)
        }
        try await expectError(.invalidMessage, "a batch with a message without an id") {
            try await first.publish(messages(2, key: "one-key") + [Message(id: "", key: "one-key")], to: topic)
        }
        try await expectError(.invalidMessage, "a batch with a message without a type") {
            try await first.publish(messages(1, key: "one-key") + [Message(type: "", key: "one-key")], to: topic)
        }
        try await expectError(.invalidMessage, "a batch with an invalid extension attribute name") {
            try await first.publish(
                messages(1, key: "one-key") + [Message(extensions: ["Not-Valid": "x"], key: "one-key")],
                to: topic
            )
        }
        try await expectNothingMore(from: deliveries, key: "one-key")
    }

    func invalidNamesRejected() async throws {
        for badTopic in [
            "", "has space", "slash/topic", "..", String(repeating: "t", count: TopicName.maximumLength + 1), "ñandú",
        ] {
            try await expectError(.invalidTopic, "publish to topic '\(badTopic.prefix(20))'") {
                try await first.publish(messages(1), to: badTopic)
            }
            try await expectError(.invalidTopic, "subscribe to topic '\(badTopic.prefix(20))'") {
                _ = try await first.subscribe(to: badTopic, group: "valid")
            }
        }
        for badGroup in ["", "tab\tgroup", String(repeating: "g", count: GroupName.maximumLength + 1)] {
            try await expectError(.invalidGroup, "subscribe with group '\(badGroup.prefix(20).debugDescription)'") {
                _ = try await first.subscribe(to: topic, group: badGroup)
            }
        }
        let sent = Message(type: "conformance.still-working")
        try expectEqual(try await roundTrip(sent), sent)
    }
}
