import CRdKafka
import Logging

/// What librdkafka's callbacks of one client reach through the client's opaque: the object the
/// client's owner keeps as long as the client's handle, with the logger librdkafka's lines go to.
protocol RDKafkaCallbacks: AnyObject, Sendable {
    var logger: Logger { get }
}

/// The callbacks of a client with nothing but logging to call back.
final class RDKafkaLogOnlyCallbacks: RDKafkaCallbacks {
    let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }
}
