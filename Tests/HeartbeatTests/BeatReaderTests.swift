import Foundation
import MessageBus
import MessageBusTesting
import Messaging
import Testing

@testable import Heartbeat

/// The monitor reads beats with `BeatReader`; whatever the reader returns must be what
/// `JSONDecoder` returns, and where it is not sure it must give up.
@Suite("Reading beats without JSONDecoder")
struct BeatReaderTests {
    static let check = CheckResult(
        name: "database",
        kind: .readiness,
        status: .warn,
        observedValue: 12.5,
        observedUnit: "ms",
        output: "slow answer",
        time: Date(timeIntervalSince1970: 1_800_000_010.123_456)
    )

    static let beats = [
        Beat(
            service: "orders-query",
            instanceID: "query-1",
            host: "node-4",
            sequence: 42,
            startTime: Date(timeIntervalSince1970: 1_800_000_000.987_654_321),
            interval: .milliseconds(2500),
            status: .stopping,
            checks: [
                check,
                CheckResult(name: "publish", kind: .liveness, status: .pass, time: Date(timeIntervalSince1970: 0)),
            ],
            time: Date(timeIntervalSince1970: 1_800_000_011.5)
        ),
        Beat(
            service: "s",
            instanceID: "",
            host: "h",
            sequence: UInt64.max,
            startTime: Date(timeIntervalSinceReferenceDate: -1e9),
            interval: .seconds(10)
        ),
    ]

    static func payload(_ beat: Beat) throws -> [UInt8] {
        Array(try JSONEncoder().encode(beat))
    }

    /// What `JSONDecoder` reads from `bytes`, or `nil` if it refuses them.
    static func decoded(_ bytes: [UInt8]) -> Beat? {
        try? JSONDecoder().decode(Beat.self, from: Data(bytes))
    }

    @Test(arguments: beats)
    func whatAnEncoderWritesIsReadAsJSONDecoderReadsIt(beat: Beat) throws {
        let bytes = try Self.payload(beat)
        #expect(BeatReader.beat(in: Data(bytes)) == beat)
        #expect(Self.decoded(bytes) == beat)
    }

    @Test(arguments: [
        // Spacing, key order, unknown scalar keys, null checks and optionals.
        #" { "time" : 1.5e2 , "status":"running","service":"a","instanceID":"b","host":"c","sequence":0,"startTime":-0.0,"intervalSeconds":10,"checks":null,"extra":1 } "#,
        #"{"time":1,"status":"running","service":"a","instanceID":"b","host":"c","sequence":7,"startTime":2,"intervalSeconds":0.25,"other":true,"more":"x","n":null}"#,
        #"{"time":1,"status":"running","service":"a","instanceID":"b","host":"c","sequence":7,"startTime":2,"intervalSeconds":1,"checks":[{"name":"n","kind":"liveness","status":"fail","observedValue":null,"output":null,"time":3}]}"#,
    ])
    func aPayloadOfAnotherWriterIsReadAsJSONDecoderReadsIt(payload: String) throws {
        let bytes = Array(payload.utf8)
        let read = try #require(BeatReader.beat(in: Data(bytes)))
        #expect(read == Self.decoded(bytes))
    }

    @Test(arguments: [
        // An unknown key holding an array: given up on.
        #" { "time" : 1.5e2 , "status":"running","service":"a","instanceID":"b","host":"c","sequence":0,"startTime":-0.0,"intervalSeconds":10,"checks":null,"extra":[1] } "#,
        // Escapes, non-ASCII, keys twice, wrong types, numbers out of range: given up on.
        #"{"time":1,"status":"running","service":"a\"b","instanceID":"b","host":"c","sequence":7,"startTime":2,"intervalSeconds":1}"#,
        #"{"time":1,"status":"running","service":"Zürich","instanceID":"b","host":"c","sequence":7,"startTime":2,"intervalSeconds":1}"#,
        #"{"time":1,"status":"running","service":"a","service":"b","instanceID":"b","host":"c","sequence":7,"startTime":2,"intervalSeconds":1}"#,
        #"{"time":1,"status":"running","service":"a","instanceID":"b","host":"c","sequence":7.0,"startTime":2,"intervalSeconds":1}"#,
        #"{"time":1,"status":"running","service":"a","instanceID":"b","host":"c","sequence":18446744073709551616,"startTime":2,"intervalSeconds":1}"#,
        #"{"time":1e400,"status":"running","service":"a","instanceID":"b","host":"c","sequence":7,"startTime":2,"intervalSeconds":1}"#,
        #"{"time":1,"status":"running","service":"a","instanceID":"b","host":"c","sequence":7,"startTime":2,"intervalSeconds":1e300}"#,
        #"{"time":1,"status":"walking","service":"a","instanceID":"b","host":"c","sequence":7,"startTime":2,"intervalSeconds":1}"#,
        #"{"time":1,"status":"running","service":"a","instanceID":"b","host":"c","sequence":7,"startTime":2}"#,
        #"{"time":01,"status":"running","service":"a","instanceID":"b","host":"c","sequence":7,"startTime":2,"intervalSeconds":1}"#,
        #"{"time":1,"status":"running","service":"a","instanceID":"b","host":"c","sequence":7,"startTime":2,"intervalSeconds":1} x"#,
        #"[]"#, "", #"{"#,
    ])
    func anEdgePayloadIsReadAsJSONDecoderReadsItOrGivenUpOn(payload: String) {
        let bytes = Array(payload.utf8)
        let read = BeatReader.beat(in: Data(bytes))
        if let read {
            #expect(read == Self.decoded(bytes), "\(payload)")
        }
    }

    @Test func readingGivesUpOnWhatItIsNotSureOf() {
        let escaped =
            #"{"time":1,"status":"running","service":"a\"b","instanceID":"b","host":"c","sequence":7,"startTime":2,"intervalSeconds":1}"#
        #expect(BeatReader.beat(in: Data(escaped.utf8)) == nil)
        #expect(Self.decoded(Array(escaped.utf8))?.service == "a\"b")
        let huge =
            #"{"time":1,"status":"running","service":"a","instanceID":"b","host":"c","sequence":7,"startTime":2,"intervalSeconds":1e300}"#
        #expect(BeatReader.beat(in: Data(huge.utf8)) == nil)
        #expect(Self.decoded(Array(huge.utf8)) == nil)
    }

    /// Every byte of an encoded beat deleted, or replaced by one of a few telling bytes: the
    /// reader either gives up or agrees with `JSONDecoder`.
    @Test func everyOneByteChangeIsReadAsJSONDecoderReadsItOrGivenUpOn() throws {
        let bytes = try Self.payload(Self.beats[0])
        let replacements = Array(#" "\0}],:-.e1xn"#.utf8) + [0xC3, 0x09]
        var mutations = 0
        var disagreements: [String] = []
        for position in bytes.indices {
            var variants = [Array(bytes[..<position] + bytes[(position + 1)...])]
            for replacement in replacements where replacement != bytes[position] {
                var variant = bytes
                variant[position] = replacement
                variants.append(variant)
            }
            for variant in variants {
                mutations += 1
                if let read = BeatReader.beat(in: Data(variant)), read != Self.decoded(variant) {
                    disagreements.append(String(decoding: variant, as: UTF8.self))
                }
            }
        }
        #expect(mutations > 3000)
        #expect(disagreements.isEmpty, "\(disagreements.prefix(3))")
    }

    @Test func theMonitorSetsAsideAMessageThatIsNoBeatAndJudgesTheNext() async throws {
        let fixture = try MonitorFixture()
        try await fixture.harness.run {
            try await fixture.harness.transport.publish(
                Message(type: Beat.messageType, payload: Data(#"{"service":"orders"}"#.utf8)),
                to: "heartbeats"
            )
            try await fixture.send(beat("query-1", sequence: 1))
        }
        #expect(fixture.monitor.instance("query-1", of: "orders")?.state == .alive)
        let deadLetters = fixture.harness.published(to: "heartbeats.dead")
        #expect(deadLetters.count == 1)
    }
}
