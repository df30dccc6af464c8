import Crypto
import Foundation
import MessageSecurity
import Messaging
import Testing

@Suite("Sealing and opening messages")
struct MessageSealerTests {
    @Test(arguments: SealAlgorithm.allCases)
    func aSealedMessageOpensAsItWas(algorithm: SealAlgorithm) throws {
        let sealer = MessageSealer(keys: try testRing(active: algorithm))
        let order = orderMessage()
        let sealed = try sealer.seal(order, with: algorithm)
        #expect(sealed.extensions[SealAttribute.algorithm] == algorithm.rawValue)
        #expect(sealed.extensions[SealAttribute.keyID] == (algorithm == .ed25519 ? "signing-1" : "shared-1"))
        if algorithm.encrypts {
            #expect(sealed.payload != order.payload)
            #expect(!String(decoding: sealed.payload, as: UTF8.self).contains("Laptop"))
            #expect(sealed.dataContentType == "application/octet-stream")
            #expect(sealed.extensions[SealAttribute.contentType] == "application/json")
        } else {
            #expect(sealed.payload == order.payload)
            #expect(sealed.extensions[SealAttribute.signature] != nil)
        }
        let opened = try sealer.open(sealed)
        #expect(opened.algorithm == algorithm)
        #expect(opened.message.payload == order.payload)
        #expect(opened.message.dataContentType == "application/json")
        #expect(opened.message.extensions.isEmpty)
        #expect(opened.message.id == order.id && opened.message.type == order.type)
    }

    @Test func anEncryptedMessageWithoutContentTypeOpensWithoutOne() throws {
        let sealer = MessageSealer(keys: try testRing(active: .aes256GCM))
        var message = orderMessage()
        message.dataContentType = nil
        let sealed = try sealer.seal(message, with: .chaCha20Poly1305)
        #expect(sealed.extensions[SealAttribute.contentType] == nil)
        #expect(try sealer.open(sealed).message.dataContentType == nil)
    }

    @Test func theTimeIsKeptToTheMillisecond() throws {
        let sealer = MessageSealer(keys: try testRing(active: .hmacSHA256))
        var message = orderMessage()
        message.time = Date(timeIntervalSince1970: 1_767_225_600.123_456_7)
        let sealed = try sealer.seal(message, with: .hmacSHA256)
        #expect(sealed.time == Date(timeIntervalSince1970: 1_767_225_600.123))
        #expect(try sealer.open(sealed).message.time == sealed.time)
    }

    typealias Tampering = @Sendable (inout Message) -> Void

    static let tamperings: [(String, Tampering)] = [
        ("payload byte", { $0.payload[$0.payload.startIndex] ^= 1 }),
        ("type", { $0.type = "billing.invoice.issued" }),
        ("source", { $0.source = "/billing" }),
        ("id", { $0.id = "order-999999" }),
        ("subject", { $0.subject = "999999" }),
        ("time", { $0.time = $0.time?.addingTimeInterval(1) }),
        (
            "algorithm",
            {
                $0.extensions[SealAttribute.algorithm] =
                    $0.extensions[SealAttribute.algorithm] == "aes256gcm" ? "chacha20poly1305" : "aes256gcm"
            }
        ),
        (
            "content type",
            {
                $0.extensions[SealAttribute.contentType] = "text/plain"; $0.dataContentType = "text/plain"
            }
        ),
        ("data schema", { $0.dataSchema = "https://example.com/other" }),
    ]

    @Test(arguments: [SealAlgorithm.hmacSHA256, .ed25519, .aes256GCM, .chaCha20Poly1305])
    func aChangeToThePayloadOrAnAuthenticatedAttributeIsTampering(algorithm: SealAlgorithm) throws {
        let sealer = MessageSealer(keys: try testRing(active: algorithm))
        let sealed = try sealer.seal(orderMessage(), with: algorithm)
        for (name, tamper) in Self.tamperings {
            var changed = sealed
            tamper(&changed)
            let error = #expect(throws: SecurityError.self, "a changed \(name) was accepted") {
                try sealer.open(changed)
            }
            // A key that cannot open the algorithm named instead is an unknown key for it.
            let expected: Set<SecurityError.Code> =
                name == "algorithm" && algorithm == .ed25519 ? [.unknownKey] : [.tampered]
            #expect(
                error.map { expected.contains($0.code) } == true,
                "a changed \(name) failed as \(String(describing: error?.code))"
            )
        }
    }

    @Test func anotherKeyIdIsTamperingAndAnUnheldOneAnUnknownKey() throws {
        let keys = try KeyRing([try symmetricKey("k1"), try symmetricKey("k2")], activeKeyID: "k1")
        let sealer = MessageSealer(keys: keys)
        var sealed = try sealer.seal(orderMessage(), with: .hmacSHA256)
        sealed.extensions[SealAttribute.keyID] = "k2"
        do {
            _ = try sealer.open(sealed)
            Issue.record("a message naming another key id was accepted")
        } catch {
            #expect(error.code == .tampered)
        }
        sealed.extensions[SealAttribute.keyID] = "k9"
        do {
            _ = try sealer.open(sealed)
            Issue.record("an unknown key id was accepted")
        } catch {
            #expect(error.code == .unknownKey)
            #expect(error.reason.contains("'k9'"))
        }
    }

    @Test func aMessageWithoutKeyIdGetsATypedError() throws {
        let sealer = MessageSealer(keys: try testRing(active: .aes256GCM))
        var sealed = try sealer.seal(orderMessage(), with: .aes256GCM)
        sealed.extensions[SealAttribute.keyID] = nil
        do {
            _ = try sealer.open(sealed)
            Issue.record("a message without key id was accepted")
        } catch {
            #expect(error.code == .tampered)
            #expect(error.reason.contains(SealAttribute.keyID))
        }
    }

    @Test func anUnsealedMessageIsUnsigned() throws {
        let sealer = MessageSealer(keys: try testRing(active: .hmacSHA256))
        do {
            _ = try sealer.open(orderMessage())
            Issue.record("an unsealed message was opened")
        } catch {
            #expect(error.code == .unsigned)
        }
    }

    @Test func aVerifyOnlyRingOpensEd25519ButCannotSeal() throws {
        let signing = Curve25519.Signing.PrivateKey()
        let sender = MessageSealer(keys: try KeyRing([try SecurityKey(id: "s", signingKey: signing)], activeKeyID: "s"))
        let receiverKeys = try KeyRing([try SecurityKey(id: "s", verifyingKey: signing.publicKey)], activeKeyID: nil)
        let receiver = MessageSealer(keys: receiverKeys)
        let sealed = try sender.seal(orderMessage(), with: .ed25519)
        #expect(try receiver.open(sealed).message.payload == orderMessage().payload)
        #expect(throws: SecurityError.self) { try receiver.seal(orderMessage(), with: .ed25519) }
        #expect(throws: SecurityError.self) { try sender.seal(orderMessage(), with: .hmacSHA256) }
    }

    @Test func aRetiredKeyNeitherSealsNorOpens() throws {
        let clock = TestWallClock()
        let keys = try KeyRing([try symmetricKey("k1", retires: clock.now.addingTimeInterval(60))], activeKeyID: "k1")
        let sealer = MessageSealer(keys: keys, now: clock.reading)
        let sealed = try sealer.seal(orderMessage(), with: .aes256GCM)
        clock.advance(by: 60)
        do {
            _ = try sealer.open(sealed)
            Issue.record("a message under a retired key was opened")
        } catch {
            #expect(error.code == .retiredKey)
        }
        do {
            _ = try sealer.seal(orderMessage(), with: .aes256GCM)
            Issue.record("a retired key sealed")
        } catch {
            #expect(error.code == .retiredKey)
        }
    }

    @Test func keysNeverShowTheirMaterial() throws {
        let secret = SymmetricKey(size: .bits256)
        let encoded = secret.withUnsafeBytes { Data($0) }.base64EncodedString()
        let key = try SecurityKey(id: "k1", secret: secret)
        let ring = try KeyRing([key], activeKeyID: "k1")
        var dumped = ""
        dump(key, to: &dumped)
        dump(ring, to: &dumped)
        for text in [key.description, key.debugDescription, ring.description, dumped, String(reflecting: ring)] {
            #expect(!text.contains(encoded))
            #expect(!text.contains("SymmetricKey"))
        }
        #expect(key.description == "SecurityKey(id: k1, kind: symmetric)")
    }

    struct Nonce: Hashable {
        var high: UInt64
        var low: UInt32

        init(_ bytes: some Sequence<UInt8>) {
            let bytes = Array(bytes.prefix(12))
            high = bytes[0..<8].reduce(0) { $0 << 8 | UInt64($1) }
            low = bytes[8..<12].reduce(0) { $0 << 8 | UInt32($1) }
        }
    }

    /// A hundred thousand seals through the sealer repeat no nonce (the first 12 bytes of each
    /// sealed payload). A debug build seals about 10 000 messages a second, and swift-crypto's
    /// bare `seal` is not much faster there, so a million seals would take well over a minute;
    /// the million below are drawn as the primitives draw them when `seal` is given no nonce,
    /// which is how the sealer calls them.
    @Test(arguments: [SealAlgorithm.aes256GCM, .chaCha20Poly1305])
    func sealsRepeatNoNonce(algorithm: SealAlgorithm) throws {
        let sealer = MessageSealer(keys: try testRing(active: algorithm))
        let message = Message(id: "m", source: "/s", type: "t", time: nil, payload: Data([1]))
        var nonces = Set<Nonce>(minimumCapacity: 100_000)
        for _ in 0..<100_000 {
            nonces.insert(Nonce(try sealer.seal(message, with: algorithm).payload))
        }
        #expect(nonces.count == 100_000)
    }

    /// Each nonce goes into a set as two integers, so a million of them stay small and fast to
    /// compare.
    @Test func aMillionNoncesRepeatNone() {
        var aesNonces = Set<Nonce>(minimumCapacity: 1_000_000)
        var chaChaNonces = Set<Nonce>(minimumCapacity: 1_000_000)
        for _ in 0..<1_000_000 {
            aesNonces.insert(Nonce(AES.GCM.Nonce()))
            chaChaNonces.insert(Nonce(ChaChaPoly.Nonce()))
        }
        #expect(aesNonces.count == 1_000_000)
        #expect(chaChaNonces.count == 1_000_000)
    }
}
