import InMemoryTransport
import MessageBus

/// A named measurement: its baseline and the project, run alternately.
struct Scenario: Sendable {
    let name: String
    let run: @Sendable (Scale) async throws -> ScenarioResult

    /// Every scenario, in the order they run: memory first, before other scenarios have grown
    /// the heap.
    static let all: [Scenario] =
        [
            InMemoryScenarios.bytesPerMessage,
            InMemoryScenarios.endToEnd(name: "inmemory-e2e-1x1", publishers: 1, members: 1, groups: 1, target: 5),
            InMemoryScenarios.endToEnd(name: "inmemory-e2e-4x4", publishers: 4, members: 4, groups: 1),
            InMemoryScenarios.endToEnd(name: "inmemory-fanout-4", publishers: 1, members: 1, groups: 4),
            InMemoryScenarios.latency,
            MiddlewareScenario.cost,
            DatatypeScenario.cost,
            HeartbeatScenario.monitor,
            HeartbeatScenario.judging,
            ProjectionScenario.projection,
            CommandScenario.commands,
            PollingScenario.polling,
        ] + SecurityScenarios.all + [
            SecureBusScenario.cost,
            KafkaScenarios.produce,
            KafkaScenarios.consume,
        ]

    /// A scenario that runs the bus with something added (`rate(scale, true)`) beside the bus
    /// without it (`rate(scale, false)`), in messages per second, and meets its target when the
    /// project is at most `limit` times slower.
    static func busCost(
        name: String,
        limit: Double,
        rate: @escaping @Sendable (Scale, _ project: Bool) async throws -> Double
    ) -> Scenario {
        Scenario(name: name) { scale in
            let (project, baseline) = try await alternate(rounds: scale.busRounds) {
                try await rate(scale, false)
            } project: {
                try await rate(scale, true)
            }
            return ScenarioResult.slowdown(name, project: project, baseline: baseline, target: limit)
        }
    }

    /// Runs `baseline` and `project` `rounds` times each, alternating which goes first, and
    /// returns the median of each.
    static func alternate(
        rounds: Int,
        baseline: () async throws -> Double,
        project: () async throws -> Double
    ) async throws -> (project: Double, baseline: Double) {
        let runs = try await alternateRuns(rounds: rounds, baseline: baseline, project: project)
        return (median(runs.project), median(runs.baseline))
    }

    /// Runs `baseline` and `project` `rounds` times each, alternating which goes first, and
    /// returns every run's result.
    static func alternateRuns<Result>(
        rounds: Int,
        baseline: () async throws -> Result,
        project: () async throws -> Result
    ) async throws -> (project: [Result], baseline: [Result]) {
        var projects: [Result] = []
        var baselines: [Result] = []
        for round in 0..<rounds {
            if round % 2 == 0 {
                baselines.append(try await baseline())
                projects.append(try await project())
            } else {
                projects.append(try await project())
                baselines.append(try await baseline())
            }
        }
        return (projects, baselines)
    }
}

/// Runs `bus` until `done` has counted every message down, calling `sending` once the bus runs;
/// returns `count` messages per second, timed from the bus's start. Then stops the bus and shuts
/// `transport` down.
func handlingRate(
    of bus: Bus,
    on transport: InMemoryTransport,
    count: Int,
    done: Countdown,
    sending: () async throws -> Void = {}
) async throws -> Double {
    let clock = ContinuousClock()
    let start = clock.now
    let runner = Task { try await bus.run() }
    try await bus.waitUntilRunning()
    try await sending()
    await done.wait()
    let elapsed = clock.now - start
    runner.cancel()
    _ = try? await runner.value
    await transport.shutdown()
    return Double(count) / seconds(elapsed)
}

/// Stopwatch time in seconds.
func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// An error that stops the benchmark, saying which scenario failed and why.
struct BenchmarkError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
