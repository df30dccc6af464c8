import Foundation
import MessageSecurity
import Subprocess
import Testing

@Suite("Standard Webhooks signatures")
struct WebhookSignatureTests {
    /// The specification's published test vector.
    enum Vector {
        static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        static let id = "msg_p5jXN8AQM9LWM0D4loKWxJek"
        static let timestamp: Int64 = 1_614_265_330
        static let body = Data(#"{"test": 2432232314}"#.utf8)
        static let signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        static let sentAt = Date(timeIntervalSince1970: TimeInterval(timestamp))
    }

    func verifier(_ secrets: [WebhookSecret], at time: Date = Vector.sentAt) -> WebhookVerifier {
        WebhookVerifier(secrets: secrets, now: { time })
    }

    @Test func theSpecificationsVectorSignsAndVerifies() throws {
        let secret = try WebhookSecret(Vector.secret)
        let headers = WebhookSigner(secrets: [secret]).headers(
            id: Vector.id,
            timestamp: Vector.sentAt,
            body: Vector.body
        )
        #expect(headers.map(\.0) == ["webhook-id", "webhook-timestamp", "webhook-signature"])
        #expect(headers.map(\.1) == [Vector.id, "1614265330", Vector.signature])
        let received = [
            ("Webhook-Id", Vector.id), ("Webhook-Timestamp", "1614265330"), ("Webhook-Signature", Vector.signature),
        ]
        try verifier([secret]).verify(headers: received, body: Vector.body)
    }

    @Test func aChangedBodyIdOrTimestampOrAnotherSecretFails() throws {
        let secret = try WebhookSecret(Vector.secret)
        let verifier = verifier([secret])
        let cases: [(String, String, String, Data)] = [
            ("body", Vector.id, "1614265330", Data(#"{"test": 2432232315}"#.utf8)),
            ("id", "msg_other", "1614265330", Vector.body),
            ("timestamp", Vector.id, "1614265331", Vector.body),
        ]
        for (name, id, timestamp, body) in cases {
            let error = #expect(throws: SecurityError.self, "a changed \(name) verified") {
                try verifier.verify(id: id, timestamp: timestamp, signatures: Vector.signature, body: body)
            }
            #expect(error?.code == .tampered)
        }
        let other = #expect(throws: SecurityError.self) {
            try self.verifier([WebhookSecret.generate()])
                .verify(id: Vector.id, timestamp: "1614265330", signatures: Vector.signature, body: Vector.body)
        }
        #expect(other?.code == .tampered)
    }

    @Test func duringARotationEitherSecretVerifies() throws {
        let old = WebhookSecret.generate()
        let new = WebhookSecret.generate()
        let signatures = WebhookSigner(secrets: [new, old]).signature(
            id: "msg_1",
            timestamp: Vector.timestamp,
            body: Vector.body
        )
        #expect(signatures.split(separator: " ").count == 2)
        for secrets in [[old], [new], [WebhookSecret.generate(), old]] {
            try verifier(secrets).verify(
                id: "msg_1",
                timestamp: "1614265330",
                signatures: signatures,
                body: Vector.body
            )
        }
        let unknown = "v2,abc v1,not*base64 " + signatures
        try verifier([old]).verify(id: "msg_1", timestamp: "1614265330", signatures: unknown, body: Vector.body)
    }

    @Test func aTimestampOutsideTheToleranceIsExpired() throws {
        let secret = try WebhookSecret(Vector.secret)
        for offset in [-301.0, 301.0] {
            let error = #expect(throws: SecurityError.self) {
                try verifier([secret], at: Vector.sentAt.addingTimeInterval(offset))
                    .verify(id: Vector.id, timestamp: "1614265330", signatures: Vector.signature, body: Vector.body)
            }
            #expect(error?.code == .expired)
        }
        try verifier([secret], at: Vector.sentAt.addingTimeInterval(300))
            .verify(id: Vector.id, timestamp: "1614265330", signatures: Vector.signature, body: Vector.body)
    }

    @Test func aMissingHeaderIsUnsigned() throws {
        let error = #expect(throws: SecurityError.self) {
            try verifier([try WebhookSecret(Vector.secret)])
                .verify(headers: [("webhook-id", Vector.id), ("webhook-timestamp", "1614265330")], body: Vector.body)
        }
        #expect(error?.code == .unsigned)
        #expect(error?.reason.contains("'webhook-signature'") == true)
    }

    @Test func secretsAreCheckedAndNeverShown() throws {
        let secret = try WebhookSecret(Vector.secret)
        #expect(!secret.description.contains("MfKQ9r8G"))
        var dumped = ""
        dump(secret, to: &dumped)
        #expect(!dumped.contains("MfKQ9r8G"))
        #expect(secret.encoded == Vector.secret)
        let short = #expect(throws: SecurityError.self) { try WebhookSecret("whsec_c2hvcnQ=") }
        #expect(short?.reason.contains("5 bytes") == true)
        #expect(short?.reason.contains("c2hvcnQ") == false)
        #expect(throws: SecurityError.self) { try WebhookSecret("whsec_***") }
    }

    /// A signature computed by Python's `hmac` module, over a body that is not UTF-8, verifies.
    @Test func aSignatureFromPythonsHmacModuleVerifies() async throws {
        let secret = WebhookSecret.generate()
        let body = Data((0...255).map { UInt8($0) } + Array(#"{"order_id": "123458"}"#.utf8))
        let script = """
            import base64, hashlib, hmac, sys
            secret = base64.b64decode(sys.argv[1][len("whsec_"):])
            content = sys.argv[2].encode() + b"." + sys.argv[3].encode() + b"." + base64.b64decode(sys.argv[4])
            print("v1," + base64.b64encode(hmac.new(secret, content, hashlib.sha256).digest()).decode())
            """
        let python = try await run(
            .name("python3"),
            arguments: ["-c", script, secret.encoded, "msg_python", "1614265330", body.base64EncodedString()],
            output: .string(limit: 4096),
            error: .discarded
        )
        try #require(python.terminationStatus.isSuccess)
        let printed = python.standardOutput ?? ""
        let signature = printed.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(
            signature
                == WebhookSigner(secrets: [secret]).signature(id: "msg_python", timestamp: 1_614_265_330, body: body)
        )
        try verifier([secret]).verify(id: "msg_python", timestamp: "1614265330", signatures: signature, body: body)
    }
}
