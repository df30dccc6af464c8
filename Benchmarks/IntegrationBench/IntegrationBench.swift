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

    @Option(help: "Run only the scenarios whose names contain this text.")
    var only: String?

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .critical
            return handler
        }
        let scale = Scale(quick: quick)
        var results: [ScenarioResult] = []
        for scenario in Scenario.all where only.map({ scenario.name.contains($0) }) ?? true {
            if !json {
                FileHandle.standardError.write(Data("running \(scenario.name)…\n".utf8))
            }
            let result = try await scenario.run(scale)
            results.append(result)
            if json {
                print(result.jsonLine)
            }
        }
        if !json {
            print(ScenarioResult.table(results, quick: quick))
        }
    }
}
