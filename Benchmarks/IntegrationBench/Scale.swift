/// How big the runs are: the sizes, or a smoke run.
struct Scale: Sendable {
    /// Messages per end-to-end run.
    var messages: Int
    /// Messages per Kafka produce or consume run.
    var kafkaMessages: Int
    /// Messages per bus run (middleware cost).
    var busMessages: Int
    /// Rounds of the bus runs: they last about a second each and scatter the most.
    var busRounds: Int
    /// Seconds of steady publishing for the latency scenario.
    var latencySeconds: Double
    /// Messages retained for the memory scenario.
    var retainedMessages: Int
    /// Messages of 100 bytes per sealing run (a tenth of them at 10 KB).
    var securityMessages: Int
    /// Heartbeats per monitor run, from 10 000 instances.
    var heartbeats: Int
    /// Events per projection run, each applied in a transaction of its own.
    var projectionEvents: Int
    /// Commands per command-bus run, each sent after the previous one was answered.
    var commands: Int
    /// Items per polling run, read from the local HTTP API in pages of 100.
    var polledItems: Int
    /// Rounds of the polling runs: they last a fraction of a second each.
    var pollingRounds: Int
    /// Rounds of baseline and project; the median is reported.
    var rounds: Int

    /// The payload every scenario sends.
    static let payloadBytes = 100

    init(quick: Bool) {
        if quick {
            messages = 20_000
            kafkaMessages = 20_000
            busMessages = 5_000
            busRounds = 1
            latencySeconds = 0.2
            retainedMessages = 20_000
            securityMessages = 20_000
            heartbeats = 20_000
            projectionEvents = 1_000
            commands = 200
            polledItems = 1_000
            pollingRounds = 1
            rounds = 1
        } else {
            messages = 1_000_000
            kafkaMessages = 1_000_000
            busMessages = 200_000
            busRounds = 7
            latencySeconds = 3
            retainedMessages = 1_000_000
            securityMessages = 500_000
            heartbeats = 200_000
            projectionEvents = 5_000
            commands = 1_000
            polledItems = 10_000
            pollingRounds = 9
            rounds = 3
        }
    }
}
