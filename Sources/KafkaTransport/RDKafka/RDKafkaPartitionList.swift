import CRdKafka
import Foundation

/// A librdkafka topic-partition list that frees itself, commit metadata included.
///
/// Made from partitions or taken over from librdkafka (`rd_kafka_assignment` and the like); never
/// used for a list librdkafka lends to a callback, which librdkafka frees itself.
final class RDKafkaPartitionList {
    /// One partition of the list, with the offset and metadata librdkafka filled in or that will
    /// be sent.
    struct Element {
        var topic: String
        var partition: Int32
        var offset: Int64
        var metadata: String?
        var error: rd_kafka_resp_err_t
    }

    private let pointer: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>

    /// An empty list with room for `capacity` partitions.
    init(capacity: Int = 0) {
        pointer = rd_kafka_topic_partition_list_new(Int32(clamping: capacity))!
    }

    /// `partitions` of `topic`, in increasing order.
    convenience init(topic: String, partitions: some Sequence<Int32>) {
        let sorted = partitions.sorted()
        self.init(capacity: sorted.count)
        for partition in sorted {
            append(topic: topic, partition: partition)
        }
    }

    /// Takes over a list librdkafka handed to the caller to destroy.
    init(taking pointer: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) {
        self.pointer = pointer
    }

    deinit {
        // Frees each element's metadata with `free`, as it was allocated below.
        rd_kafka_topic_partition_list_destroy(pointer)
    }

    /// Adds a partition, with an offset and commit metadata to send.
    func append(
        topic: String,
        partition: Int32,
        offset: Int64 = Int64(RD_KAFKA_OFFSET_INVALID),
        metadata: String? = nil
    ) {
        let element = rd_kafka_topic_partition_list_add(pointer, topic, partition)!
        element.pointee.offset = offset
        if let metadata {
            let bytes = Array(metadata.utf8)
            let copy = malloc(max(bytes.count, 1))!
            copy.copyMemory(from: bytes, byteCount: bytes.count)
            element.pointee.metadata = copy
            element.pointee.metadata_size = bytes.count
        }
    }

    /// Calls `body` with the list, which lives at least until `body` returns.
    func withPointer<Result>(
        _ body: (UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) throws -> Result
    ) rethrows -> Result {
        try withExtendedLifetime(self) { try body(pointer) }
    }

    var count: Int { Int(pointer.pointee.cnt) }

    /// The partitions in the list, in its order.
    var partitions: [Int32] { (0..<count).map { pointer.pointee.elems[$0].partition } }

    /// The list's elements, read out.
    var elements: [Element] {
        (0..<count).map { Self.element(pointer.pointee.elems[$0]) }
    }

    /// An element of a list librdkafka owns, read out.
    static func element(_ element: rd_kafka_topic_partition_t) -> Element {
        Element(
            topic: String(cString: element.topic),
            partition: element.partition,
            offset: element.offset,
            metadata: element.metadata.map {
                String(decoding: UnsafeRawBufferPointer(start: $0, count: element.metadata_size), as: UTF8.self)
            },
            error: element.err
        )
    }
}
