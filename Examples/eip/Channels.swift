import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore

/// `eip channels`: the datatype channels a running service offers, with their JSON Schemas.
struct Channels: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the datatype channels of a running service, with their JSON Schemas.",
        discussion: """
            Reads the service's `GET /channels` (a `ChannelCatalog`, as `DatatypeChannelExample` \
            serves it). For each channel: its name and topic, the topic of its invalid messages, its \
            datatype and the versions it accepts, its media types and size limit, then its JSON \
            Schema. With --json, the catalog as the service sent it, as one JSON document.
            """
    )

    @Option(help: "The service's base URL.")
    var url = "http://localhost:5000"

    @Option(help: "Seconds to wait for the service's answer.")
    var timeout: Double = 5

    @Flag(help: "Print the catalog as JSON instead of text.")
    var json = false

    func validate() throws {
        guard timeout > 0, timeout.isFinite else {
            throw ValidationError("--timeout must be a positive number of seconds; got \(timeout)")
        }
        guard let base = URL(string: url), ["http", "https"].contains(base.scheme), base.host != nil else {
            throw ValidationError("--url expects an http or https URL such as http://localhost:5000; got '\(url)'")
        }
    }

    func run() async throws {
        EIP.bootstrapLogging()
        let address = url.hasSuffix("/") ? url + "channels" : url + "/channels"
        let catalog = try await Self.catalog(at: address, timeout: .milliseconds(Int64(timeout * 1000)))
        if json {
            let data = try JSONSerialization.data(
                withJSONObject: ["channels": catalog],
                options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            )
            emit(String(decoding: data, as: UTF8.self))
        } else {
            for (index, channel) in catalog.enumerated() {
                if index > 0 { emit("") }
                try emit(Self.describe(channel))
            }
        }
    }

    /// The channels `address` lists, each a JSON object, checked for the fields printed.
    static func catalog(at address: String, timeout: TimeAmount) async throws -> [[String: Any]] {
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await HTTPClient.shared.execute(HTTPClientRequest(url: address), timeout: timeout)
            body = try await response.body.collect(upTo: 16 << 20)
        } catch {
            throw EIPError("cannot read \(address): \(reason(error, timeout: timeout))")
        }
        guard response.status == .ok else {
            throw EIPError("\(address) answered \(response.status.code) \(response.status.reasonPhrase), not a catalog")
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any],
            let channels = object["channels"] as? [[String: Any]]
        else {
            throw EIPError("\(address) answered something other than a catalog: no JSON object with a 'channels' list")
        }
        for (index, channel) in channels.enumerated() {
            for field in ["name", "topic", "typeName", "schemaVersion", "schema"] where channel[field] == nil {
                throw EIPError("\(address): channel \(index) of the catalog has no '\(field)'")
            }
        }
        return channels
    }

    /// Several lines saying what `channel` carries, its schema last.
    static func describe(_ channel: [String: Any]) throws -> String {
        let name = channel["name"] as? String ?? "?"
        let topic = channel["topic"] as? String ?? "?"
        let typeName = channel["typeName"] as? String ?? "?"
        let version = channel["schemaVersion"].map { "\($0)" } ?? "?"
        let accepted =
            (channel["acceptedVersions"] as? [Int])?.map { "v\($0)" }.joined(separator: ", ") ?? "v\(version)"
        let contentTypes = (channel["contentTypes"] as? [String])?.joined(separator: ", ") ?? "?"
        let limit = (channel["maximumBytes"] as? Int).map { "up to \($0) bytes" } ?? "no size limit"
        let schema = try JSONSerialization.data(
            withJSONObject: channel["schema"] ?? [:],
            options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        )
        let indentedSchema = String(decoding: schema, as: UTF8.self)
            .split(separator: "\n", omittingEmptySubsequences: false)
            .map { "    " + $0 }
            .joined(separator: "\n")
        return """
            \(name): topic \(topic), invalid messages to \(channel["invalidTopic"] as? String ?? "?")
              datatype \(typeName) v\(version), accepts \(accepted)
              \(contentTypes), \(limit)
              schema:
            \(indentedSchema)
            """
    }

    /// Why a call failed, in words.
    private static func reason(_ error: any Error, timeout: TimeAmount) -> String {
        if let error = error as? HTTPClientError, error == .deadlineExceeded || error == .readTimeout {
            return "no answer within \(Double(timeout.nanoseconds) / 1e9) s"
        }
        if let error = error as? IOError, error.errnoCode == ECONNREFUSED {
            return "nothing is listening there (connection refused)"
        }
        return "\(error)"
    }
}
