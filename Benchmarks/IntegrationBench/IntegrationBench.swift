import ArgumentParser
import Foundation
import Logging

/// `integration-bench`: each scenario beside its baseline, in one process, alternating them.
@main
struct IntegrationBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "integration-bench",
        abstract: "Measure the transports and the bus beside their baselines and print the ratios.",
        discussion: """
            Run in release mode: swift run -c release integration-bench. Each scenario runs its \
            baseline and the project alternately, several rounds, and reports the median. See \
            Documentation/Performance.md for what each scenario measures and its target.
            """
    )

    @Flag(help: "A short smoke run with small message counts; its numbers are not meaningful.")
    var quick = false

    @Flag(help: "Print one JSON object per scenario instead of the table.")
    var json = false

    @Option(help: "Run only the scenarios whose names contain this text, or one of these comma-separated texts.")
    var only: String?

    @Option(help: "Messages per Kafka run, instead of the default (1 000 000; 20 000 with --quick).")
    var kafkaMessages: Int?

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .critical
            return handler
        }
        var scale = Scale(quick: quick)
        if let kafkaMessages {
            scale.kafkaMessages = kafkaMessages
        }
        var results: [ScenarioResult] = []
        var failed: [String] = []
        let filters = only.map { $0.split(separator: ",").map(String.init) }
        for scenario in Scenario.all where filters.map({ $0.contains { scenario.name.contains($0) } }) ?? true {
            if !json {
                FileHandle.standardError.write(Data("running \(scenario.name)…\n".utf8))
            }
            do {
                let result = try await scenario.run(scale)
                results.append(result)
                if json {
                    print(result.jsonLine)
                }
            } catch {
                FileHandle.standardError.write(Data("error: \(scenario.name) failed: \(error)\n".utf8))
                failed.append(scenario.name)
            }
        }
        if !json {
            print(ScenarioResult.table(results, quick: quick))
        }
        guard failed.isEmpty else {
            throw BenchmarkError("\(failed.count) scenario(s) failed: \(failed.joined(separator: ", "))")
        }
    }
}
