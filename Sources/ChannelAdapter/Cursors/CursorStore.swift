/// Where a ``PollingAdapter`` keeps how far it has read, by name, with compare-and-set.
///
/// The contract, checked by `CursorStoreConformanceSuite` of `ChannelAdapterTesting`:
/// - ``load(_:)`` returns the last value committed under a name, or `nil` if none was.
/// - ``commit(_:expected:new:)`` stores `new` only if the stored value is still `expected`
///   (`nil`: no value yet), atomically: of several commits from the same expected value, at most
///   one succeeds. The others throw ``ChannelAdapterError/Code/cursorConflict``, naming the value
///   found, and change nothing.
/// - Names are independent; any text is a valid name and a valid value.
/// - Failures other than conflicts throw ``ChannelAdapterError/Code/storeFailed`` and change
///   nothing.
///
/// The compare-and-set is what lets several instances of an application share one cursor: an
/// instance that read a page while another committed past it finds out when it commits, instead
/// of moving the cursor back.
public protocol CursorStore: Sendable {
    /// The value last committed under `name`, or `nil` if none was.
    ///
    /// - Throws: ``ChannelAdapterError/Code/storeFailed`` when the store cannot be read.
    func load(_ name: String) async throws -> String?

    /// Stores `new` under `name` if the stored value is `expected`.
    ///
    /// - Parameters:
    ///   - name: The cursor's name.
    ///   - expected: The value the caller loaded; `nil` if there was none.
    ///   - new: The value to store.
    /// - Throws: ``ChannelAdapterError/Code/cursorConflict`` when the stored value is not
    ///   `expected`, with ``ChannelAdapterError/actualCursor`` set to it;
    ///   ``ChannelAdapterError/Code/storeFailed`` when the store cannot be written.
    func commit(_ name: String, expected: String?, new: String) async throws
}
