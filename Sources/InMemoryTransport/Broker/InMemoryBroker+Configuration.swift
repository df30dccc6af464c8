import Messaging

extension InMemoryBroker {
    /// How an ``InMemoryBroker`` stores messages and how much it may hold.
    public struct Configuration: Sendable, Hashable {
        /// What `publish` does when the broker holds ``memoryLimit`` bytes and nothing can be evicted.
        public struct OverflowPolicy: Sendable, Hashable {
            enum Kind: Hashable {
                case wait
                case fail
            }

            let kind: Kind

            /// `publish` waits until consumer groups settle enough messages to make room
            /// (back-pressure). Cancel the publishing task to stop waiting.
            public static let wait = OverflowPolicy(kind: .wait)
            /// `publish` throws `MessagingError.Code.capacityExceeded` at once.
            public static let fail = OverflowPolicy(kind: .fail)
        }

        /// The number of partitions of a topic created on first use. Default: `4`.
        public var defaultPartitionCount: Int
        /// The largest `Message.byteCount` accepted. Default: 4 MiB.
        public var maximumMessageBytes: Int
        /// The most bytes of messages (`Message.byteCount`) the broker retains across all
        /// topics. Default: 512 MiB.
        public var memoryLimit: Int
        /// How many messages each partition keeps for replay once every group has settled them;
        /// `nil` keeps them until ``memoryLimit`` needs the room. Default: `nil`.
        ///
        /// Retention never removes a message a consumer group has not yet settled. It is applied
        /// when the partition receives its next message.
        public var retainedMessagesPerPartition: Int?
        /// What `publish` does when the broker is full. Default: ``OverflowPolicy/wait``.
        public var whenFull: OverflowPolicy

        /// Creates a configuration; every parameter has the default documented on its property.
        public init(
            defaultPartitionCount: Int = 4,
            maximumMessageBytes: Int = 4 * 1024 * 1024,
            memoryLimit: Int = 512 * 1024 * 1024,
            retainedMessagesPerPartition: Int? = nil,
            whenFull: OverflowPolicy = .wait
        ) {
            self.defaultPartitionCount = defaultPartitionCount
            self.maximumMessageBytes = maximumMessageBytes
            self.memoryLimit = memoryLimit
            self.retainedMessagesPerPartition = retainedMessagesPerPartition
            self.whenFull = whenFull
        }

        func validate() throws(MessagingError) {
            if defaultPartitionCount < 1 {
                throw MessagingError(
                    .invalidConfiguration,
                    "defaultPartitionCount is \(defaultPartitionCount); a topic needs at least 1 partition."
                )
            }
            if maximumMessageBytes < 1 {
                throw MessagingError(
                    .invalidConfiguration,
                    "maximumMessageBytes is \(maximumMessageBytes); it must be positive."
                )
            }
            if memoryLimit < maximumMessageBytes {
                throw MessagingError(
                    .invalidConfiguration,
                    "memoryLimit (\(memoryLimit) bytes) is smaller than maximumMessageBytes (\(maximumMessageBytes) bytes)."
                )
            }
            if let retained = retainedMessagesPerPartition, retained < 0 {
                throw MessagingError(
                    .invalidConfiguration,
                    "retainedMessagesPerPartition is \(retained); it must not be negative."
                )
            }
        }
    }
}
