import CRdKafka
import Logging
import Messaging

/// Creating librdkafka configurations and client handles, and naming librdkafka errors.
enum RDKafkaClient {
    /// Creates a client of `type` from `properties`, letting `customize` install callbacks.
    ///
    /// `callbacks` becomes the client's opaque, and every line librdkafka logs goes to its
    /// logger; unless `properties` set `log_level`, librdkafka logs what that logger's level lets
    /// through. The handle keeps `callbacks` until the client is destroyed, with `destroyFlags`.
    ///
    /// - Throws: `invalidConfiguration` with librdkafka's own message for a bad property.
    static func make<Callbacks: RDKafkaCallbacks>(
        _ type: rd_kafka_type_t,
        properties: [String: String],
        callbacks: Callbacks,
        destroyFlags: Int32 = 0,
        customize: (OpaquePointer) -> Void = { _ in }
    ) throws(MessagingError) -> RDKafkaHandle {
        var properties = properties
        if properties["log_level"] == nil {
            properties["log_level"] = "\(LibrdkafkaLogLine.syslogLevel(for: callbacks.logger.logLevel))"
        }
        let configuration = try configuration(properties)
        // The opaque is how librdkafka's callbacks find `callbacks`; the handle keeps it alive.
        rd_kafka_conf_set_opaque(configuration, Unmanaged.passUnretained(callbacks).toOpaque())
        rd_kafka_conf_set_log_cb(configuration, logCallback)
        customize(configuration)
        var message = [CChar](repeating: 0, count: 512)
        guard let handle = rd_kafka_new(type, configuration, &message, message.count) else {
            rd_kafka_conf_destroy(configuration)
            throw MessagingError(
                .invalidConfiguration,
                "Kafka client could not be created: \(RDKafkaClient.text(message))"
            )
        }
        return RDKafkaHandle(handle, callbacks: callbacks, destroyFlags: destroyFlags)
    }

    /// A librdkafka configuration holding `properties`; the caller owns it.
    private static func configuration(_ properties: [String: String]) throws(MessagingError) -> OpaquePointer {
        let configuration = rd_kafka_conf_new()!
        var message = [CChar](repeating: 0, count: 512)
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) {
            if rd_kafka_conf_set(configuration, key, value, &message, message.count) != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(configuration)
                let shown = key.contains("password") ? "***" : value
                throw MessagingError(
                    .invalidConfiguration,
                    "Kafka property '\(key)' = '\(shown)' was refused: \(RDKafkaClient.text(message))"
                )
            }
        }
        return configuration
    }

    /// The text librdkafka wrote into an error buffer, up to its terminating zero.
    static func text(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// librdkafka's name and description of `code`.
    static func describe(_ code: rd_kafka_resp_err_t) -> String {
        "\(String(cString: rd_kafka_err2name(code))): \(String(cString: rd_kafka_err2str(code)))"
    }

    /// A ``MessagingError`` for a librdkafka error code, with a code saying what kind it is.
    static func error(_ code: rd_kafka_resp_err_t, _ context: String) -> MessagingError {
        let kind: MessagingError.Code =
            switch code {
            case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
                .timedOut
            case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
                .messageTooLarge
            case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION, RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC,
                RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
                .invalidTopic
            case RD_KAFKA_RESP_ERR__PURGE_QUEUE, RD_KAFKA_RESP_ERR__PURGE_INFLIGHT, RD_KAFKA_RESP_ERR__DESTROY:
                .shutDown
            default:
                .transportFailure
            }
        let transient: Set<rd_kafka_resp_err_t> = [
            RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, RD_KAFKA_RESP_ERR__RESOLVE,
            RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE,
            RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND,
            RD_KAFKA_RESP_ERR_NOT_COORDINATOR, RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE,
            RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS,
        ]
        let retriable = kind == .timedOut || transient.contains(code)
        return MessagingError(kind, "\(context): \(describe(code))", isRetriable: retriable)
    }
}

/// Called by librdkafka, on any of its threads, for every line a client logs: the line goes to the
/// logger of the client's callbacks, and nothing of librdkafka's is written to standard error.
///
/// One callback serves every kind of client: it finds the callbacks through the client's opaque
/// (a C callback can capture nothing, so the opaque is its only context) and reaches their
/// logger through the protocol; a dynamic cast per logged line costs nothing that matters.
private let logCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Void =
    {
        handle,
        level,
        facility,
        text in
        guard let handle, let text, let opaque = rd_kafka_opaque(handle),
            let callbacks = Unmanaged<AnyObject>.fromOpaque(opaque).takeUnretainedValue() as? any RDKafkaCallbacks
        else { return }
        LibrdkafkaLogLine(
            syslogLevel: level,
            facility: facility.map { String(cString: $0) } ?? "",
            text: String(cString: text),
            client: String(cString: rd_kafka_name(handle))
        ).log(to: callbacks.logger)
    }

extension RDKafkaClient {
    /// Checks properties without creating a client.
    static func validate(consumerProperties properties: [String: String]) throws(MessagingError) {
        rd_kafka_conf_destroy(try configuration(properties))
    }
}
