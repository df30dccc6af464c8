import Synchronization

/// A ``CursorStore`` in memory: for tests, and for adapters whose source can be read from the
/// beginning again after a restart.
///
/// Instances of one process that share the store share its cursors, with the same
/// compare-and-set as a persistent store.
public final class InMemoryCursorStore: CursorStore {
    private let cursors: Mutex<[String: String]>

    /// Creates a store holding `cursors`.
    ///
    /// - Parameter cursors: The cursors to start with, by name. Default: none.
    public init(_ cursors: [String: String] = [:]) {
        self.cursors = Mutex(cursors)
    }

    /// The value last committed under `name`, or `nil`.
    public func load(_ name: String) async throws -> String? {
        cursors.withLock { $0[name] }
    }

    /// Stores `new` under `name` if the stored value is `expected`.
    public func commit(_ name: String, expected: String?, new: String) async throws {
        let conflict: String?? = cursors.withLock { cursors in
            let actual = cursors[name]
            guard actual == expected else { return .some(actual) }
            cursors[name] = new
            return .none
        }
        if case .some(let actual) = conflict {
            throw ChannelAdapterError.cursorConflict(name, expected: expected, actual: actual)
        }
    }
}
