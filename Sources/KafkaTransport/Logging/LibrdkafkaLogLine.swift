import Logging

/// One line librdkafka logs, as a swift-log record: its syslog level mapped to a swift-log level,
/// the thread and broker it names as metadata, and the text without the prefixes that repeat
/// them.
///
/// librdkafka writes lines such as
/// `[thrd:127.0.0.1:9092/bootstrap]: 127.0.0.1:9092/1: Connect to ipv4#127.0.0.1:9092 failed`
/// and `[thrd:app]: client#consumer-1: GroupCoordinator: 127.0.0.1:9092: Disconnected`; the
/// broker is the first `host:port` that names one.
struct LibrdkafkaLogLine: Equatable {
    let level: Logger.Level
    let message: String
    /// librdkafka's facility (`FAIL`, `ERROR`, `REQTMOUT`, …), its thread, and the broker.
    let metadata: Logger.Metadata

    /// - Parameters:
    ///   - syslogLevel: librdkafka's level, 0 (emergency) to 7 (debug).
    ///   - facility: librdkafka's name for the kind of event.
    ///   - text: The line.
    ///   - client: The client's name (`rd_kafka_name`), dropped from the front of the text.
    init(syslogLevel: Int32, facility: String, text: String, client: String) {
        level = Self.level(syslogLevel)
        var rest = Substring(text)
        var metadata: Logger.Metadata = ["kafka.client": "\(client)", "kafka.facility": "\(facility)"]
        if rest.hasPrefix("[thrd:"), let end = rest.firstIndex(of: "]") {
            metadata["kafka.thread"] = "\(rest[rest.index(rest.startIndex, offsetBy: 6)..<end])"
            rest = rest[rest.index(after: end)...]
            if rest.hasPrefix(": ") {
                rest = rest.dropFirst(2)
            }
        }
        if rest.hasPrefix(client + ": ") {
            rest = rest.dropFirst(client.count + 2)
        }
        if let broker = Self.broker(in: metadata["kafka.thread"].map { "\($0)" } ?? "") ?? Self.broker(in: rest) {
            metadata["kafka.broker"] = "\(broker)"
        }
        self.message = String(rest)
        self.metadata = metadata
    }

    /// Logs the line to `logger`, at its level.
    func log(to logger: Logger) {
        logger.log(level: level, "\(message)", metadata: metadata)
    }

    /// syslog's levels: 0–2 emergency, alert, critical; 3 error; 4 warning; 5 notice; 6 info;
    /// 7 debug.
    static func level(_ syslogLevel: Int32) -> Logger.Level {
        switch syslogLevel {
        case ...2: .critical
        case 3: .error
        case 4: .warning
        case 5: .notice
        case 6: .info
        default: .debug
        }
    }

    /// The syslog level librdkafka must log at for `level` and above to reach a logger.
    static func syslogLevel(for level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// The first `host:port` in `text` that is followed by `/`, `:` or its end, and begins it or
    /// follows a space: how librdkafka names a broker.
    static func broker(in text: some StringProtocol) -> String? {
        for word in text.split(separator: " ") {
            guard let colon = word.firstIndex(of: ":") else { continue }
            let host = word[..<colon]
            let digits = word[word.index(after: colon)...].prefix { $0.isASCII && $0.isNumber }
            let after = word[digits.endIndex...]
            guard !host.isEmpty, host.allSatisfy(isHostCharacter), (1...5).contains(digits.count),
                after.isEmpty || after.first == "/" || after.first == ":"
            else { continue }
            return "\(host):\(digits)"
        }
        return nil
    }

    private static func isHostCharacter(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || character == "." || character == "-")
    }
}
