import CRdKafka
import Logging

/// The type of librdkafka's log callback.
typealias RDKafkaLogCallback =
    @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?) ->
    Void

/// What librdkafka's callbacks of one client reach through the client's opaque: the object the
/// client's owner keeps as long as the client's handle, with the logger librdkafka's lines go to.
///
/// A C callback cannot be generic, so each conforming type gives the log callback that reads the
/// opaque as that type; ``RDKafkaClient/make(_:properties:callbacks:customize:)`` installs it.
protocol RDKafkaCallbacks: AnyObject, Sendable {
    var logger: Logger { get }
    /// Calls ``RDKafkaClient/log(_:level:facility:text:to:)`` with this type's logger.
    static var logCallback: RDKafkaLogCallback { get }
}

/// The callbacks of a client with nothing but logging to call back.
final class RDKafkaLogOnlyCallbacks: RDKafkaCallbacks {
    let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    static let logCallback: RDKafkaLogCallback = { handle, level, facility, text in
        guard let handle, let opaque = rd_kafka_opaque(handle) else { return }
        let logger = Unmanaged<RDKafkaLogOnlyCallbacks>.fromOpaque(opaque).takeUnretainedValue().logger
        RDKafkaClient.log(handle, level: level, facility: facility, text: text, to: logger)
    }
}
