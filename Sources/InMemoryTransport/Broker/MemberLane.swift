import DequeModule
import Messaging
import Synchronization

/// A stored message dispatched to one group member, not yet turned into a ``Delivery``.
///
/// Sendable because a ``StoredMessage`` never changes once made (`ManagedBuffer` itself is not).
struct Dispatched: @unchecked Sendable {
    let message: StoredMessage
    let partition: Int
    let offset: Int64
    let attempt: Int
}

/// The deliveries dispatched to one group member and not yet handed out, behind a lock of their
/// own.
///
/// The broker appends to a lane under its lock (a dispatch fills it in one step); the member's
/// iterator takes from it without the broker's lock, so a busy consumer does not contend with
/// publishers for each message. Lock order: the broker's lock, then a lane's.
final class MemberLane: Sendable {
    enum Next {
        case ready(Dispatched)
        case empty
        case closed
    }

    private struct State {
        var ready: Deque<Dispatched> = []
        var isClosed = false
    }

    let topic: String
    let group: String
    let settler: MemberSettler
    private let state = Mutex(State())

    init(topic: String, group: String, settler: MemberSettler) {
        self.topic = topic
        self.group = group
        self.settler = settler
    }

    /// The number of deliveries waiting to be handed out.
    var readyCount: Int {
        state.withLock { $0.ready.count }
    }

    /// Takes the next delivery to hand out.
    func take() -> Next {
        state.withLock { state in
            if state.isClosed { return .closed }
            return state.ready.popFirst().map(Next.ready) ?? .empty
        }
    }

    func append(_ deliveries: [Dispatched]) {
        state.withLock { $0.ready.append(contentsOf: deliveries) }
    }

    /// Hands out nothing more; returns what was waiting, for the broker to put back.
    func close() -> Deque<Dispatched> {
        state.withLock { state in
            state.isClosed = true
            defer { state.ready.removeAll() }
            return state.ready
        }
    }

    /// The delivery of `dispatched`, with its message rebuilt from the stored form.
    func delivery(_ dispatched: Dispatched) -> Delivery {
        Delivery(
            message: dispatched.message.message,
            topic: topic,
            group: group,
            partition: dispatched.partition,
            offset: dispatched.offset,
            attempt: dispatched.attempt,
            settler: settler
        )
    }
}
