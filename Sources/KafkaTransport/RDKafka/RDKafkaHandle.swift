import CRdKafka

/// A librdkafka client handle, destroyed when nothing uses it any more.
///
/// A client's owner holds it, and so does every blocking call running on it: a call whose caller
/// stopped waiting (its task was cancelled) goes on until librdkafka's own timeout, and the handle
/// must outlive it — destroying a client while another thread is inside one of its calls frees
/// memory that call still locks. The last reference destroys the client on the queue of blocking
/// calls, since destroying waits for the client's broker threads; the callbacks librdkafka reaches
/// through the client's opaque live until it is done.
///
/// librdkafka's client calls are thread-safe, so the pointer, a C type Swift cannot check, is
/// `nonisolated(unsafe)`; nothing else about the handle escapes the compiler's checks.
final class RDKafkaHandle: Sendable {
    nonisolated(unsafe) let pointer: OpaquePointer
    private let callbacks: any RDKafkaCallbacks
    private let destroyFlags: Int32

    /// Takes ownership of `pointer`, whose opaque is `callbacks`; destroying passes
    /// `destroyFlags` to `rd_kafka_destroy_flags`.
    init(_ pointer: OpaquePointer, callbacks: any RDKafkaCallbacks, destroyFlags: Int32 = 0) {
        self.pointer = pointer
        self.callbacks = callbacks
        self.destroyFlags = destroyFlags
    }

    deinit {
        nonisolated(unsafe) let pointer = pointer
        let callbacks = callbacks
        let flags = destroyFlags
        RDKafkaBlockingCall.detach {
            rd_kafka_destroy_flags(pointer, flags)
            withExtendedLifetime(callbacks) {}
        }
    }
}
