import Foundation
import KafkaTransport
import MessageSecurity
import Messaging
import Testing

/// `eip keys generate` and `eip consume --keys`.
extension EIPTests {
    /// A path in the temporary directory where no file is yet.
    func freshPath(_ suffix: String = "json") -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("eip-keys-\(UUID().uuidString).\(suffix)").path
    }

    @Test("keys generate writes a key file the key ring loads, readable by its owner only, and never overwrites one")
    func generateKeys() async throws {
        let path = freshPath()
        let generated = try await eip(["keys", "generate", "--out", path, "--id", "orders-1"])
        #expect(generated.status == 0, "\(generated.error)")
        #expect(generated.lines == ["Wrote the key file '\(path)' with the active key 'orders-1'."])
        let ring = try KeyRing.load(file: path)
        #expect(ring.activeKey?.id == "orders-1")
        #expect(ring.activeKey?.kind == .symmetric)
        let permissions = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(permissions == 0o600)
        let first = try Data(contentsOf: URL(fileURLWithPath: path))

        let again = try await eip(["keys", "generate", "--out", path, "--id", "orders-2"])
        #expect(again.status != 0)
        #expect(again.error.contains("'\(path)' exists already; pass --force"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == first)

        let forced = try await eip(["keys", "generate", "--out", path, "--force"])
        #expect(forced.status == 0, "\(forced.error)")
        let replaced = try KeyRing.load(file: path)
        #expect(replaced.activeKey?.id.hasPrefix("key-") == true)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) != first)

        let badID = try await eip(["keys", "generate", "--out", freshPath(), "--id", "orders 1"])
        #expect(badID.status != 0)
        #expect(badID.error.contains("--id: Key id 'orders 1' is invalid"))
    }

    @Test(
        "consume --keys refuses a bad key file before connecting, naming the file and the problem",
        arguments: [
            (nil, "does not exist"),
            (#"{"keys": [{"id": "k", "algorithm": "symmetric", "key": "%%%"}]}"#, "key 'k' is not base64"),
            (#"{"keys": [{"id": "k", "algorithm": "symmetric", "key": "AAAA"}]}"#, "key 'k' has 3 bytes"),
            (#"{"keys": [{"id": "k", "algorithm": "rsa", "key": "AAAA"}]}"#, "key 'k' has the unknown algorithm 'rsa'"),
            ("keys", "is not a key file"),
        ] as [(String?, String)]
    )
    func badKeyFile(contents: String?, problem: String) async throws {
        let path = freshPath()
        if let contents {
            try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
        }
        let run = try await eip(["consume", "--kafka", "127.0.0.1:9", "--topic", "orders", "--keys", path])
        #expect(run.status != 0)
        #expect(run.error.contains("--keys: The key file '\(path)'"), "\(run.error)")
        #expect(run.error.contains(problem), "\(run.error)")
    }

    @Test("consume shows a sealed order as ciphertext; with --keys decrypted; with another key as tampered")
    func consumeSealed() async throws {
        let cluster = try KafkaMockCluster(brokers: 1)
        let keyFile = freshPath()
        #expect(try await eip(["keys", "generate", "--out", keyFile, "--id", "orders-1"]).status == 0)
        let otherKeyFile = freshPath()
        #expect(try await eip(["keys", "generate", "--out", otherKeyFile, "--id", "orders-1"]).status == 0)

        let order = Message(
            source: "/sales",
            type: "sales.order.placed",
            dataContentType: "application/json",
            key: "123458",
            payload: Data(#"{"order_id": "123458", "product": "Laptop"}"#.utf8)
        )
        let sealed = try MessageSealer(keys: KeyRing.load(file: keyFile)).seal(order, with: .aes256GCM)
        let transport = try KafkaTransport(configuration: cluster.clientConfiguration)
        try await transport.publish(sealed, to: "orders")
        await transport.shutdown()

        let consume = [
            "consume", "--kafka", cluster.bootstrapServers, "--topic", "orders", "--from-beginning", "--count", "1",
        ]
        let plain = try await eip(consume)
        #expect(plain.status == 0, "\(plain.error)")
        #expect(!plain.output.contains("Laptop"))
        let ciphertext = json(plain.lines.first ?? "")
        #expect(ciphertext["payload_base64"] as? String == sealed.payload.base64EncodedString())
        #expect(ciphertext["payload"] == nil)
        let seal = try #require(ciphertext["seal"] as? [String: Any])
        #expect(seal["algorithm"] as? String == "aes256gcm")
        #expect(seal["key_id"] as? String == "orders-1")
        #expect(seal["opened"] as? Bool == false)

        let opened = try await eip(consume + ["--keys", keyFile])
        #expect(opened.status == 0, "\(opened.error)")
        let decrypted = json(opened.lines.first ?? "")
        #expect((decrypted["payload"] as? [String: Any])?["product"] as? String == "Laptop")
        #expect((decrypted["seal"] as? [String: Any])?["opened"] as? Bool == true)

        let wrong = try await eip(consume + ["--keys", otherKeyFile])
        #expect(wrong.status == 0, "\(wrong.error)")
        #expect(!wrong.output.contains("Laptop"))
        let refused = json(wrong.lines.first ?? "")
        #expect((refused["seal"] as? [String: Any])?["error"] as? String == "tampered")
        #expect(refused["payload_base64"] as? String == sealed.payload.base64EncodedString())
        withExtendedLifetime(cluster) {}
    }
}
