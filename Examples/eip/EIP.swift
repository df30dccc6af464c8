import ArgumentParser
import Foundation
import Logging

/// `eip`: a command-line tool for working with the library's topics on Kafka.
@main
struct EIP: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eip",
        abstract: "Try, inspect and repair the message bus's Kafka topics, and list a service's datatype channels.",
        discussion: """
            Every command that talks to Kafka takes --kafka HOST:PORT (default: $KAFKA_BOOTSTRAP_SERVERS). \
            Start with `eip kafka-mock` for a cluster that needs no installation.
            """,
        subcommands: [
            KafkaMock.self, Publish.self, Consume.self, Lag.self, DeadLetters.self, Keys.self, Channels.self,
        ]
    )

    static func bootstrapLogging() {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .error
            return handler
        }
    }
}

/// A problem `eip` reports in one line, naming what was wrong.
struct EIPError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}

/// Writes `line` to standard output at once, unbuffered, so a reader of a pipe sees it as soon
/// as it is written.
func emit(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
