/// How big the runs are: the sizes, or a smoke run.
struct Scale: Sendable {
    /// Messages per end-to-end run.
    var messages: Int
    /// Messages per Kafka produce run.
    var kafkaMessages: Int
    /// Messages per Kafka consume run: librdkafka 2.0.2's mock cluster stops serving some
    /// partitions of a 1 000 000-message topic, so the consume scenario reads 500 000.
    var kafkaConsumeMessages: Int
    /// Messages per bus run (middleware cost).
    var busMessages: Int
    /// Seconds of steady publishing for the latency scenario.
    var latencySeconds: Double
    /// Messages retained for the memory scenario.
    var retainedMessages: Int
    /// Rounds of baseline and project; the median is reported.
    var rounds: Int

    /// The payload every scenario sends.
    static let payloadBytes = 100

    init(quick: Bool) {
        if quick {
            messages = 20_000
            kafkaMessages = 20_000
            kafkaConsumeMessages = 20_000
            busMessages = 5_000
            latencySeconds = 0.2
            retainedMessages = 20_000
            rounds = 1
        } else {
            messages = 1_000_000
            kafkaMessages = 1_000_000
            kafkaConsumeMessages = 500_000
            busMessages = 200_000
            latencySeconds = 3
            retainedMessages = 1_000_000
            rounds = 3
        }
    }
}
