import ArgumentParser
import Foundation
import MessageBus
import Messaging

/// `eip dead-letters`: what a bus's dead-letter channel holds, and putting it back.
struct DeadLetters: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dead-letters",
        abstract: "List or replay the messages on a dead-letter topic.",
        subcommands: [List.self, Replay.self]
    )

    /// The options both subcommands share.
    struct Options: ParsableArguments {
        @OptionGroup var connection: KafkaOptions

        @Option(help: "The dead-letter topic.")
        var topic = "MessageBus.dead"

        @Option(help: "The most dead letters to read.")
        var limit: Int?

        @Option(help: "Stop after this many seconds without another dead letter.")
        var idleTimeout: Double = 2

        func validate() throws {
            if let limit, limit <= 0 {
                throw ValidationError("--limit must be at least 1; got \(limit)")
            }
            guard idleTimeout > 0 else {
                throw ValidationError("--idle-timeout must be a positive number of seconds; got \(idleTimeout)")
            }
        }

        var idle: Duration { .milliseconds(Int(idleTimeout * 1000)) }

        /// Runs `body` on the dead-letter queue, then shuts the transport down.
        func withQueue<Result>(_ body: (DeadLetterQueue) async throws -> Result) async throws -> Result {
            let transport = try connection.transport()
            do {
                try await connection.requireTopic(topic, on: transport)
                let result = try await body(DeadLetterQueue(topic: topic, bus: Bus(transport: transport, name: "eip")))
                await transport.shutdown()
                return result
            } catch {
                await transport.shutdown()
                throw error
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print every retained dead letter as a JSON line, without consuming it."
        )

        @OptionGroup var options: Options

        func run() async throws {
            EIP.bootstrapLogging()
            let deadLetters = try await options.withQueue { queue in
                try await queue.list(limit: options.limit ?? 10_000, idleTimeout: options.idle)
            }
            for deadLetter in deadLetters {
                emit(describe(deadLetter))
            }
            FileHandle.standardError.write(Data("\(deadLetters.count) dead letter(s) on '\(options.topic)'.\n".utf8))
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Publish each dead letter back to the topic it failed on, once.",
            discussion: "Replayed dead letters are acknowledged, so a second replay finds only newer ones."
        )

        @OptionGroup var options: Options

        func run() async throws {
            EIP.bootstrapLogging()
            let replayed = try await options.withQueue { queue in
                try await queue.replay(limit: options.limit, idleTimeout: options.idle)
            }
            for deadLetter in replayed {
                emit(describe(deadLetter))
            }
            FileHandle.standardError.write(
                Data("Replayed \(replayed.count) dead letter(s) from '\(options.topic)'.\n".utf8)
            )
        }
    }
}

/// A dead letter as one JSON line: why it failed, where, and its original message.
func describe(_ deadLetter: DeadLetter) -> String {
    let original = deadLetter.original
    var line: [String: Any] = [
        "id": original.id,
        "type": original.type,
        "key": original.key as Any,
        "reason": deadLetter.reason as Any,
        "error": deadLetter.error as Any,
        "source_topic": deadLetter.sourceTopic as Any,
        "group": deadLetter.group as Any,
        "handler": deadLetter.handler as Any,
        "attempts": deadLetter.attempts as Any,
    ]
    addPayload(original.payload, to: &line)
    return jsonLine(line)
}
