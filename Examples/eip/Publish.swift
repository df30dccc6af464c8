import ArgumentParser
import Foundation
import KafkaTransport
import Messaging

/// `eip publish`: one JSON message, or one per line, to a topic.
struct Publish: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Publish JSON to a topic, as the library's transports write it.",
        discussion: """
            The payload is JSON text, @FILE for a file's contents, or - for standard input. With \
            --lines every non-empty line is a message and all are published as one batch: if one \
            line is not JSON, nothing is published. Prints one JSON line per published message.
            """
    )

    @OptionGroup var connection: KafkaOptions

    @Option(help: "The topic to publish to; it must exist unless --new-topic is given.")
    var topic: String

    @Option(help: "The message key: messages with one key stay in order.")
    var key: String?

    @Option(help: "The message type (CloudEvents `type`), such as sales.order.placed.")
    var type: String?

    @Option(name: .customLong("header"), help: "A header as NAME=VALUE; repeatable.")
    var headers: [String] = []

    @Flag(help: "Publish even when the topic does not exist yet, for clusters that create topics on first use.")
    var newTopic = false

    @Flag(help: "Publish every non-empty line of the payload as its own message.")
    var lines = false

    @Argument(help: "JSON text, @FILE, or - for standard input.")
    var payload: String = "-"

    func validate() throws {
        _ = try parsedHeaders()
    }

    func run() async throws {
        EIP.bootstrapLogging()
        let messages = try makeMessages(from: try readPayload())
        let transport = try connection.transport()
        if !newTopic {
            try await connection.requireTopic(topic, on: transport)
        }
        do {
            try await transport.publish(messages, to: topic)
        } catch {
            await transport.shutdown()
            throw EIPError("Nothing was published to '\(topic)': \(error)")
        }
        await transport.shutdown()
        for message in messages {
            emit(jsonLine(["topic": topic, "id": message.id, "key": message.key as Any, "type": message.type]))
        }
    }

    /// The messages to publish, each checked to be JSON.
    func makeMessages(from data: Data) throws -> [Message] {
        let bodies: [Data] =
            lines
            ? data.split(separator: UInt8(ascii: "\n")).map { Data($0) }.filter {
                !String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespaces).isEmpty
            }
            : [data]
        guard !bodies.isEmpty else {
            throw EIPError("The payload is empty; give JSON text, @FILE or - for standard input.")
        }
        let headers = try parsedHeaders()
        return try bodies.enumerated().map { index, body in
            do {
                _ = try JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed])
            } catch {
                let which = lines ? "Line \(index + 1) of the payload" : "The payload"
                throw EIPError(
                    "\(which) is not valid JSON, so nothing was published: \(String(decoding: body.prefix(80), as: UTF8.self))"
                )
            }
            var message = Message(type: type ?? Message.defaultType, key: key, payload: body)
            message.dataContentType = "application/json"
            message.headers = headers
            return message
        }
    }

    private func readPayload() throws -> Data {
        if payload == "-" {
            return FileHandle.standardInput.readDataToEndOfFile()
        }
        if payload.hasPrefix("@") {
            let path = String(payload.dropFirst())
            guard let data = FileManager.default.contents(atPath: path) else {
                throw EIPError("Cannot read the payload file '\(path)'.")
            }
            return data
        }
        return Data(payload.utf8)
    }

    private func parsedHeaders() throws -> [String: String] {
        var parsed: [String: String] = [:]
        for header in headers {
            guard let equals = header.firstIndex(of: "="), equals != header.startIndex else {
                throw ValidationError("--header expects NAME=VALUE; got '\(header)'")
            }
            parsed[String(header[..<equals])] = String(header[header.index(after: equals)...])
        }
        return parsed
    }
}

/// One line of JSON, keys sorted; `nil` values are written as `null`.
func jsonLine(_ object: [String: Any]) -> String {
    let cleaned = object.mapValues { value -> Any in
        if case Optional<Any>.none = value { return NSNull() }
        return value
    }
    let data =
        (try? JSONSerialization.data(withJSONObject: cleaned, options: [.sortedKeys, .withoutEscapingSlashes]))
        ?? Data("{}".utf8)
    return String(decoding: data, as: UTF8.self)
}
