import ArgumentParser
import Foundation
import Logging

/// The options every example takes: the transport (`--kafka`), the role, the address, the data
/// directory, the demo and the log level. Add them to an example's command with `@OptionGroup`.
public struct ExampleOptions<Role: ExampleRole>: ParsableArguments {
    /// Kafka bootstrap servers; `nil` for `$KAFKA_BOOTSTRAP_SERVERS`, else the in-memory transport.
    @Option(help: "Kafka bootstrap servers, HOST:PORT[,HOST:PORT…]. Default: $KAFKA_BOOTSTRAP_SERVERS, else in-memory.")
    public var kafka: String?

    /// Which applications this process runs.
    @Option(help: "The applications this process runs: all, or one of the others (needs --kafka).")
    public var role: Role = .all

    /// The address the HTTP servers listen on.
    @Option(help: "The address the HTTP servers listen on.")
    public var host = "127.0.0.1"

    /// Where the applications keep their databases; `nil` for a fresh temporary directory.
    @Option(
        name: .customLong("data-dir"),
        help:
            "The directory of the applications' SQLite databases, one per application. Default: a fresh temporary directory."
    )
    public var dataDirectory: String?

    /// Whether to send the example's demo requests to this process and exit.
    @Flag(help: "Send the seed's requests to this process, print each request and response, and exit.")
    public var demo = false

    /// The log level; `nil` for info, or warning with `--demo`.
    @Option(
        help:
            "Log level: trace, debug, info, notice, warning, error or critical. Default: info, or warning with --demo."
    )
    public var logLevel: Logger.Level?

    /// Options with every default.
    public init() {}

    /// The transport `--kafka` (or `KAFKA_BOOTSTRAP_SERVERS` in `environment`) names, with
    /// `clientID` as the Kafka client's id; the in-memory transport without either.
    public func transport(
        clientID: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ExampleError) -> ExampleTransport {
        guard let servers = kafka ?? environment["KAFKA_BOOTSTRAP_SERVERS"] else { return .inMemory }
        return try .kafka(servers, clientID: clientID)
    }

    /// The directory `--data-dir` names, created if needed; a fresh temporary one without it.
    public func data() throws(ExampleError) -> DataDirectory {
        try DataDirectory(dataDirectory)
    }

    /// Sends every logger of the process to standard error at the chosen level.
    public func bootstrapLogging() {
        let level = logLevel ?? (demo ? .warning : .info)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
