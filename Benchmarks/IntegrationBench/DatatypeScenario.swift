import DatatypeChannel
import Foundation
import InMemoryTransport
import MessageBus
import Messaging
import Metrics

/// What a datatype channel costs over a bare bus handler: typed send and receive of sensor
/// readings, checked against their schema on both sides, beside the same readings sent as
/// `Codable` messages and decoded by `Bus.consume(_:from:group:)`, on the in-memory transport.
enum DatatypeScenario {
    /// The record both sides send.
    struct Reading: JSONDatatype, BusMessage {
        static let typeName = "reading"
        static let schemaVersion = 1
        static let messageType = "reading"
        static let schema: JSONSchema = .object([
            .init("sensor", .string(minLength: 1)), .init("celsius", .number(minimum: -273.15)),
            .init("sequence", .integer(minimum: 0)),
        ])

        var sensor: String
        var celsius: Double
        var sequence: Int

        var partitionKey: String? { sensor }
    }

    /// Sends `count` readings one by one through one bus while its handler, concurrency 1,
    /// receives them; records per second, from the bus's start to the last handling.
    static func rate(count: Int, typed: Bool) async throws -> Double {
        let transport = InMemoryTransport()
        let bus = Bus(transport: transport, name: "bench", metricsFactory: NOOPMetricsHandler.instance)
        let readings = (0..<count).map { Reading(sensor: "s\($0 % 16)", celsius: Double($0 % 400) / 10, sequence: $0) }
        let channel = TypedChannel(Reading.self, topic: "readings")
        let done = Countdown(count)
        let options = Bus.HandlerOptions(concurrency: 1)
        if typed {
            try bus.consume(channel, group: "bench", options: options) { reading, _ in
                _ = reading.sequence
                done.decrement()
            }
        } else {
            try bus.consume(Reading.self, from: "readings", group: "bench", options: options) { reading, _ in
                _ = reading.sequence
                done.decrement()
            }
        }
        return try await handlingRate(of: bus, on: transport, count: count, done: done) {
            for reading in readings {
                if typed {
                    try await bus.send(reading, on: channel)
                } else {
                    try await bus.publish(reading, to: "readings")
                }
            }
        }
    }

    static let cost = Scenario.busCost(name: "datatype-channel", limit: 1.2) { scale, typed in
        try await rate(count: scale.busMessages, typed: typed)
    }
}
