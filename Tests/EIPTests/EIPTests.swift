import Foundation
import Subprocess
import SystemPackage
import Testing

/// `eip` run as a user runs it: as a process, reading what it prints and its exit status.
@Suite("The eip command-line tool")
struct EIPTests {
    /// What a finished run printed, and how it ended.
    struct Run {
        var status: Int32
        var output: String
        var error: String
        var lines: [String] { output.split(separator: "\n").map(String.init) }
    }

    /// The `eip` executable built beside this test bundle.
    static let executable: URL = {
        #if os(Linux)
            let products = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        #else
            let products = Bundle.allBundles.first { $0.bundlePath.hasSuffix(".xctest") }!.bundleURL
                .deletingLastPathComponent()
        #endif
        return products.appendingPathComponent("eip")
    }()

    /// Runs `eip` with `arguments` to its end.
    ///
    /// The run is awaited, not waited for: a test blocked on a child process would hold one of
    /// the few threads every other test's tasks run on.
    func eip(_ arguments: [String], input: String? = nil) async throws -> Run {
        let result = try await Subprocess.run(
            .path(FilePath(Self.executable.path)),
            arguments: Arguments(arguments),
            input: .string(input ?? ""),
            output: .string(limit: 64 << 20),
            error: .string(limit: 64 << 20)
        )
        let status: Int32 =
            switch result.terminationStatus {
            case .exited(let code): code
            case .signaled(let signal): 128 + signal
            }
        return Run(status: status, output: result.standardOutput ?? "", error: result.standardError ?? "")
    }

    /// Runs `eip kafka-mock` around `body`, passing it the bootstrap address; then stops it with
    /// SIGINT and checks it exits cleanly. After a failure too, the mock is stopped, and killed if
    /// it has not stopped within 10 s, so that no broker outlives the test.
    func withMockCluster(_ arguments: [String] = [], _ body: (String) async throws -> Void) async throws {
        let stop: [TeardownStep] = [.send(signal: .interrupt, allowedDurationToNextStep: .seconds(10))]
        let result = try await Subprocess.run(
            .path(FilePath(Self.executable.path)),
            arguments: Arguments(["kafka-mock", "--brokers", "1"] + arguments),
            input: .none,
            output: .sequence,
            error: .discarded
        ) { execution in
            var printed: [UInt8] = []
            for try await chunk in execution.standardOutput {
                chunk.withUnsafeBytes { printed.append(contentsOf: $0) }
                if printed.contains(UInt8(ascii: "\n")) { break }
            }
            let address = String(decoding: printed, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            do {
                try #require(address.contains(":"), "kafka-mock printed '\(address)' instead of an address")
                try await body(address)
            } catch {
                await execution.teardown(using: stop)
                throw error
            }
            await execution.teardown(using: stop)
        }
        #expect(result.terminationStatus == .exited(0))
    }

    func json(_ line: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]) ?? [:]
    }

    @Test("publish, then consume from the beginning, round-trips the message with its key and type")
    func publishThenConsume() async throws {
        try await withMockCluster(["--topic", "orders:2"]) { address in
            let published = try await eip([
                "publish", "--kafka", address, "--topic", "orders", "--key", "123458",
                "--type", "sales.order.placed", "--header", "origin=test",
                #"{"order_id": "123458", "quantity": 1}"#,
            ])
            #expect(published.status == 0, "\(published.error)")
            let id = try #require(json(published.lines.first ?? "")["id"] as? String)

            let piped = try await eip(
                ["publish", "--kafka", address, "--topic", "orders", "--lines", "-"],
                input: "{\"n\": 1}\n\n{\"n\": 2}\n"
            )
            #expect(piped.status == 0, "\(piped.error)")
            #expect(piped.lines.count == 2)

            let consumed = try await eip([
                "consume", "--kafka", address, "--topic", "orders", "--from-beginning", "--count", "3",
            ])
            #expect(consumed.status == 0, "\(consumed.error)")
            let lines = consumed.lines.map(json)
            #expect(lines.count == 3)
            let order = try #require(lines.first { $0["id"] as? String == id })
            #expect(order["key"] as? String == "123458")
            #expect(order["type"] as? String == "sales.order.placed")
            #expect((order["headers"] as? [String: String])?["origin"] == "test")
            #expect((order["payload"] as? [String: Any])?["order_id"] as? String == "123458")
            #expect(Set(lines.compactMap { ($0["payload"] as? [String: Int])?["n"] }) == [1, 2])
        }
    }

    @Test("lag shows what a group has not committed, per partition and in total")
    func lag() async throws {
        try await withMockCluster(["--topic", "orders:2"]) { address in
            let published = try await eip(
                ["publish", "--kafka", address, "--topic", "orders", "--lines", "-"],
                input: (1...5).map { "{\"n\": \($0)}\n" }.joined()
            )
            #expect(published.status == 0, "\(published.error)")
            let before = try await eip(["lag", "--kafka", address, "--group", "billing", "--topic", "orders", "--json"])
            #expect(before.status == 0, "\(before.error)")
            let report = json(before.lines.first ?? "")
            #expect(report["total"] as? Int == 5)
            #expect((report["partitions"] as? [String: Int])?.keys.sorted() == ["0", "1"])

            let consumed = try await eip([
                "consume", "--kafka", address, "--topic", "orders", "--group", "billing", "--from-beginning",
                "--count", "5",
            ])
            #expect(consumed.status == 0, "\(consumed.error)")
            let after = try await eip(["lag", "--kafka", address, "--group", "billing", "--topic", "orders"])
            #expect(after.status == 0, "\(after.error)")
            #expect(after.lines == ["0 0", "1 0", "total 0"])

            let missing = try await eip(["lag", "--kafka", address, "--group", "billing", "--topic", "nothing"])
            #expect(missing.status != 0)
            #expect(missing.error.contains("Topic 'nothing' does not exist"))
        }
    }

    @Test("A payload that is not JSON publishes nothing, not even the valid lines before it")
    func invalidPayload() async throws {
        try await withMockCluster(["--topic", "orders:1"]) { address in
            let run = try await eip(
                ["publish", "--kafka", address, "--topic", "orders", "--lines", "-"],
                input: "{\"n\": 1}\nnot json\n"
            )
            #expect(run.status != 0)
            #expect(run.error.contains("Line 2 of the payload is not valid JSON, so nothing was published"))
            let consumed = try await eip([
                "consume", "--kafka", address, "--topic", "orders", "--from-beginning", "--idle-timeout", "2",
            ])
            #expect(consumed.status == 0, "\(consumed.error)")
            #expect(consumed.lines.isEmpty)
        }
    }

    @Test("Unknown topics and unreachable brokers get errors that say so")
    func clearErrors() async throws {
        try await withMockCluster(["--topic", "orders:1"]) { address in
            let unknown = try await eip(["consume", "--kafka", address, "--topic", "nope", "--count", "1"])
            #expect(unknown.status != 0)
            #expect(unknown.error.contains("Topic 'nope' does not exist on \(address); it has: orders."))
            let publish = try await eip(["publish", "--kafka", address, "--topic", "nope", "{}"])
            #expect(publish.error.contains("Topic 'nope' does not exist"))
        }
        let unreachable = try await eip([
            "publish", "--kafka", "127.0.0.1:1", "--timeout", "1", "--topic", "orders", "{}",
        ])
        #expect(unreachable.status != 0)
        #expect(unreachable.error.contains("No Kafka broker answered at 127.0.0.1:1 within 1.0 s"))
        let badAddress = try await eip(["consume", "--kafka", "localhost", "--topic", "orders"])
        #expect(badAddress.status != 0)
        #expect(badAddress.error.contains("--kafka expects HOST:PORT; 'localhost' is not one"))
        let help = try await eip(["dead-letters", "replay", "--help"])
        #expect(help.output.contains("Publish each dead letter back to the topic it failed on, once."))
    }

    @Test("dead-letters list shows a dead letter without consuming it; replay puts it back once")
    func deadLetters() async throws {
        try await withMockCluster(["--topic", "orders:1", "--topic", "orders.dead:1"]) { address in
            let deadLetter = try await eip([
                "publish", "--kafka", address, "--topic", "orders.dead",
                "--header", "dead-letter-source-topic=orders", "--header", "dead-letter-reason=decodingFailed",
                #"{"order_id": "bad"}"#,
            ])
            #expect(deadLetter.status == 0, "\(deadLetter.error)")
            for _ in 0..<2 {
                let listed = try await eip([
                    "dead-letters", "list", "--kafka", address, "--topic", "orders.dead", "--idle-timeout", "1",
                    "--timeout", "30",
                ])
                #expect(listed.status == 0, "\(listed.error)")
                #expect(listed.lines.count == 1)
                #expect(json(listed.lines.first ?? "")["reason"] as? String == "decodingFailed")
            }
            let replayed = try await eip([
                "dead-letters", "replay", "--kafka", address, "--topic", "orders.dead", "--idle-timeout", "1",
            ])
            #expect(replayed.status == 0, "\(replayed.error)")
            #expect(replayed.lines.count == 1)
            let again = try await eip([
                "dead-letters", "replay", "--kafka", address, "--topic", "orders.dead", "--idle-timeout", "1",
                "--timeout", "30",
            ])
            #expect(again.lines.isEmpty)
            let consumed = try await eip([
                "consume", "--kafka", address, "--topic", "orders", "--from-beginning", "--count", "1",
            ])
            let original = json(consumed.lines.first ?? "")
            #expect((original["payload"] as? [String: String])?["order_id"] == "bad")
            #expect((original["headers"] as? [String: String])?["dead-letter-reason"] == nil)
        }
    }
}
