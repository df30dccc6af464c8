import ChannelAdapter
import Clocks
import Foundation
import MessageBus
import Messaging
import Synchronization

/// A purchase order of the ERP, as the polled item of most tests.
struct PurchaseOrder: BusMessage, Identifiable, PolledItem, Equatable {
    static let messageType = "erp.purchase-order"
    var id: String
    var product: String
}

/// An item whose encoding can be made to fail.
struct Row: PolledItem {
    struct Unencodable: Error {}

    var identity: String
    var encodable = true

    func message() throws -> Message {
        guard encodable else { throw Unencodable() }
        return Message(type: "row", payload: Data(identity.utf8))
    }
}

/// A source over a list that tests append to: the cursor is the number of items read, and
/// pages hold at most `pageSize` items.
final class ListSource<Item: PolledItem>: PollingSource, Sendable {
    struct State {
        var items: [Item] = []
        var failures: [any Error] = []
        var pages: [PolledPage<Item>] = []
        var polls: [String?] = []
        var newestItemTime: Date?
    }

    let pageSize: Int
    let barrier: Barrier?
    private let state = Mutex(State())

    init(_ items: [Item] = [], pageSize: Int = 100, barrier: Barrier? = nil) {
        self.pageSize = pageSize
        self.barrier = barrier
        state.withLock { $0.items = items }
    }

    /// Adds items at the end of the source.
    func append(_ items: [Item]) {
        state.withLock { $0.items += items }
    }

    /// Makes the next polls fail with `errors`, one each.
    func fail(with errors: [any Error]) {
        state.withLock { $0.failures += errors }
    }

    /// Makes the next polls answer `pages` as they are, one each.
    func answer(_ pages: [PolledPage<Item>]) {
        state.withLock { $0.pages += pages }
    }

    /// Makes every page say the newest item is of `time`.
    func setNewestItemTime(_ time: Date) {
        state.withLock { $0.newestItemTime = time }
    }

    /// The cursors the source was polled after, in order.
    var polls: [String?] {
        state.withLock { $0.polls }
    }

    func poll(after cursor: String?) async throws -> PolledPage<Item> {
        let answer: Result<PolledPage<Item>, any Error> = state.withLock { state in
            state.polls.append(cursor)
            if !state.failures.isEmpty {
                return .failure(state.failures.removeFirst())
            }
            if !state.pages.isEmpty {
                return .success(state.pages.removeFirst())
            }
            let start = cursor.flatMap(Int.init) ?? 0
            let end = min(state.items.count, start + pageSize)
            let items = Array(state.items[start..<end])
            return .success(
                PolledPage(
                    items,
                    nextCursor: items.isEmpty ? cursor : String(end),
                    newestItemTime: state.newestItemTime
                )
            )
        }
        await barrier?.arrive()
        return try answer.get()
    }
}

/// Holds the first `count` tasks that arrive until all have, then lets every later one through.
actor Barrier {
    private let count: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private var open = false

    init(count: Int) {
        self.count = count
    }

    func arrive() async {
        guard !open else { return }
        if waiting.count + 1 == count {
            open = true
            for continuation in waiting {
                continuation.resume()
            }
            waiting = []
        } else {
            await withCheckedContinuation { waiting.append($0) }
        }
    }
}

/// A cursor store whose commits of one cursor can be made to fail, as a process that dies after
/// publishing a page and before committing its cursor.
final class CrashingCursorStore: CursorStore {
    struct Crash: Error {}

    let store: any CursorStore
    let crashingCursor: String
    private let crashes = Mutex(0)

    init(_ store: any CursorStore, crashingOnNext count: Int, commitsOf name: String = "erp-orders") {
        self.store = store
        self.crashingCursor = name
        crashes.withLock { $0 = count }
    }

    func load(_ name: String) async throws -> String? {
        try await store.load(name)
    }

    func commit(_ name: String, expected: String?, new: String) async throws {
        let crash =
            name == crashingCursor
            && crashes.withLock { count in
                defer { count = max(0, count - 1) }
                return count > 0
            }
        if crash {
            throw Crash()
        }
        try await store.commit(name, expected: expected, new: new)
    }
}

/// A test clock that also records every wait it is asked for.
final class RecordingClock: Clock, Sendable {
    typealias Instant = TestClock<Duration>.Instant

    let clock = TestClock()
    private let recorded = Mutex<[Duration]>([])

    var now: Instant { clock.now }
    var minimumResolution: Duration { clock.minimumResolution }

    /// The waits asked for, in order.
    var sleeps: [Duration] {
        recorded.withLock { $0 }
    }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        recorded.withLock { $0.append(clock.now.duration(to: deadline)) }
        try await clock.sleep(until: deadline, tolerance: tolerance)
    }

    /// Moves the time forward by `duration`, waking the sleepers whose deadline passed.
    func advance(by duration: Duration) async {
        await clock.advance(by: duration)
    }
}

/// A wall-clock time that moves only when told to.
final class ManualTime: Sendable {
    private let date = Mutex(Date(timeIntervalSince1970: 1_000_000))

    var now: Date {
        date.withLock { $0 }
    }

    func advance(by duration: Duration) {
        date.withLock { $0 += duration / .seconds(1) }
    }
}
