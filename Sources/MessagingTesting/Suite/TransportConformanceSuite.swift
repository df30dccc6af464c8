import Messaging

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The behavioural contract of `MessageTransport`, as runnable scenarios.
///
/// Every transport runs this suite. It works under Swift Testing and XCTest alike: a scenario
/// returns when the transport behaved, and throws ``ConformanceFailure`` when it did not.
///
/// ```swift
/// @Test(arguments: ConformanceScenario.allCases)
/// func conformance(_ scenario: ConformanceScenario) async throws {
///     let broker = InMemoryBroker()
///     let suite = TransportConformanceSuite { InMemoryTransport(broker: broker) }
///     try await suite.run(scenario)
/// }
/// ```
///
/// The factory must return a new, independent client each time it is called, all connected to the
/// same backend (one broker, one cluster): some scenarios use one transport to publish and another
/// to consume, or shut one down while another goes on. The backend must create a topic on first
/// use, with at least two partitions.
/// Scenarios the transport's `TransportCapabilities` do not promise are skipped.
public struct TransportConformanceSuite<Transport: MessageTransport>: Sendable {
    /// What ``run(_:)`` found.
    public enum Outcome: Sendable, Equatable {
        /// The transport behaved as the scenario requires.
        case passed
        /// The transport does not promise what the scenario checks.
        case skipped
    }

    let makeTransport: @Sendable () async throws -> Transport
    let timeout: Duration

    /// Creates the suite.
    ///
    /// - Parameters:
    ///   - timeout: How long any one wait of a scenario may take before it counts as a failure.
    ///     Default: 30 seconds.
    ///   - makeTransport: Returns a new transport client on the shared backend.
    public init(timeout: Duration = .seconds(30), makeTransport: @escaping @Sendable () async throws -> Transport) {
        self.timeout = timeout
        self.makeTransport = makeTransport
    }

    /// Runs one scenario on a fresh topic; shuts down every transport it made.
    ///
    /// - Throws: ``ConformanceFailure`` if the transport broke the contract, or the error the
    ///   factory threw.
    @discardableResult
    public func run(_ scenario: ConformanceScenario) async throws -> Outcome {
        let probe = try await makeTransport()
        guard scenario.isSupported(by: probe.capabilities) else {
            await probe.shutdown()
            return .skipped
        }
        let context = ScenarioContext(
            scenario: scenario,
            topic: "conformance.\(scenario.rawValue).\(UUID().uuidString.prefix(8))",
            timeout: timeout,
            first: probe,
            makeTransport: makeTransport
        )
        do {
            try await context.run()
        } catch {
            await context.shutDownAll()
            throw error
        }
        await context.shutDownAll()
        return .passed
    }

    /// Runs every scenario in turn and returns what each found; stops at the first failure.
    public func runAll() async throws -> [ConformanceScenario: Outcome] {
        var outcomes: [ConformanceScenario: Outcome] = [:]
        for scenario in ConformanceScenario.allCases {
            outcomes[scenario] = try await run(scenario)
        }
        return outcomes
    }
}
