import CRdKafka
import Foundation

/// A consumed record's header list, read in place; valid while its message is.
struct RDKafkaHeaders: RecordHeaders {
    let list: OpaquePointer?

    func forEach(_ body: (_ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Void) {
        guard let list else { return }
        var index = 0
        var name: UnsafePointer<CChar>?
        var value: UnsafeRawPointer?
        var size = 0
        while rd_kafka_header_get_all(list, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR, let name {
            body(
                UnsafeRawBufferPointer(start: name, count: strlen(name)),
                UnsafeRawBufferPointer(start: value, count: size)
            )
            index += 1
        }
    }
}
