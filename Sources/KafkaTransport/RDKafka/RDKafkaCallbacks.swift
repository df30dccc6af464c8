import CRdKafka
import Logging

/// What librdkafka's callbacks of one client reach through the client's opaque: the logger its
/// lines go to, and whatever the owning consumer or producer adds in a subclass. The owner keeps
/// it as long as the client's handle.
///
/// `@unchecked Sendable` because the class is open to those subclasses; its own state is the
/// immutable logger.
class RDKafkaCallbacks: @unchecked Sendable {
    let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }
}

/// Called by librdkafka, on any of its threads, for every line it logs: the line goes to the
/// client's logger, and nothing is written to standard error.
let logCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Void = {
    handle,
    level,
    facility,
    text in
    guard let handle, let opaque = rd_kafka_opaque(handle), let text else { return }
    let callbacks = Unmanaged<RDKafkaCallbacks>.fromOpaque(opaque).takeUnretainedValue()
    let line = LibrdkafkaLogLine(
        syslogLevel: level,
        facility: facility.map { String(cString: $0) } ?? "",
        text: String(cString: text),
        client: String(cString: rd_kafka_name(handle))
    )
    line.log(to: callbacks.logger)
}
