/// A store that broke its contract: the scenario, what it expected and what it saw.
///
/// The store suites of this module throw it rather than record a test framework's issue, so they
/// run under Swift Testing and XCTest alike; the failure names the suite's file and line.
public struct StoreConformanceFailure: Error, Sendable, CustomStringConvertible {
    /// The scenario that failed, as `Suite.scenario`.
    public let scenario: String
    /// What the store did wrong.
    public let reason: String
    /// The suite's source file that detected it.
    public let file: String
    /// The suite's source line that detected it.
    public let line: Int

    /// Creates a failure of `scenario`, detected at `file`:`line`.
    public init(scenario: String, reason: String, file: String = #fileID, line: Int = #line) {
        self.scenario = scenario
        self.reason = reason
        self.file = file
        self.line = line
    }

    /// The scenario, the reason and the suite's file and line.
    public var description: String {
        "Store conformance scenario '\(scenario)' failed: \(reason) [\(file):\(line)]"
    }
}
