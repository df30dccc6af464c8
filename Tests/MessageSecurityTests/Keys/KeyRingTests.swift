import Crypto
import Foundation
import MessageSecurity
import Testing

@Suite("Key rings and key files")
struct KeyRingTests {
    static let secret = Data(repeating: 7, count: 32).base64EncodedString()

    /// `body` with a key file holding `contents`, or none if `nil`.
    func withKeyFile(_ contents: String?, _ body: (String) throws -> Void) throws {
        let file = try temporaryFile(named: "keys.json", contents: contents)
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        try body(file.path)
    }

    @Test func aKeyFileLoadsEveryKindOfKey() throws {
        let signing = Curve25519.Signing.PrivateKey()
        let contents = """
            {
              "active": "k2",
              "keys": [
                {"id": "k1", "algorithm": "symmetric", "key": "\(Self.secret)", "retires": "2026-03-01T00:00:00Z"},
                {"id": "k2", "algorithm": "symmetric", "key": "\(Data(repeating: 9, count: 32).base64EncodedString())"},
                {"id": "sales", "algorithm": "ed25519", "key": "\(signing.rawRepresentation.base64EncodedString())", "source": "/sales"},
                {"id": "sales-public", "algorithm": "ed25519-public", "key": "\(signing.publicKey.rawRepresentation.base64EncodedString())"}
              ]
            }
            """
        try withKeyFile(contents) { path in
            let ring = try KeyRing.load(file: path)
            #expect(ring.keys.map(\.id) == ["k1", "k2", "sales", "sales-public"])
            #expect(ring.activeKey?.id == "k2")
            #expect(ring.key(id: "k1")?.retires == Date(timeIntervalSince1970: 1_772_323_200))
            #expect(ring.key(id: "sales")?.source == "/sales")
            #expect(ring.key(id: "sales-public")?.kind == .ed25519Public)
            #expect(!ring.description.contains(Self.secret))
        }
    }

    @Test func aMissingKeyFileNamesTheFile() throws {
        let path = "/nonexistent/messagesecurity/keys.json"
        let error = #expect(throws: SecurityError.self) { try KeyRing.load(file: path) }
        #expect(error?.code == .invalidKeyFile)
        #expect(error?.reason.contains(path) == true)
        #expect(error?.reason.contains("does not exist") == true)
    }

    static let badFiles: [(String, String, String)] = [
        ("not JSON", "this is not a key file", "is not a key file"),
        ("no keys", #"{"active": "k1"}"#, "'keys' is missing"),
        ("not base64", #"{"keys": [{"id": "k1", "algorithm": "symmetric", "key": "not*base64!"}]}"#, "is not base64"),
        (
            "wrong length",
            #"{"keys": [{"id": "k1", "algorithm": "symmetric", "key": "\#(Data(count: 16).base64EncodedString())"}]}"#,
            "has 16 bytes"
        ),
        (
            "unknown algorithm", #"{"keys": [{"id": "k1", "algorithm": "rot13", "key": "\#(secret)"}]}"#,
            "unknown algorithm 'rot13'"
        ),
        (
            "bad retirement date",
            #"{"keys": [{"id": "k1", "algorithm": "symmetric", "key": "\#(secret)", "retires": "soon"}]}"#,
            "retirement date 'soon'"
        ),
        (
            "bad id", #"{"keys": [{"id": "k 1", "algorithm": "symmetric", "key": "\#(secret)"}]}"#,
            "Key id 'k 1' is invalid"
        ),
        (
            "unknown active key",
            #"{"active": "k2", "keys": [{"id": "k1", "algorithm": "symmetric", "key": "\#(secret)"}]}"#,
            "active key 'k2' is not in the key ring"
        ),
        (
            "duplicate id",
            #"{"keys": [{"id": "k1", "algorithm": "symmetric", "key": "\#(secret)"}, {"id": "k1", "algorithm": "symmetric", "key": "\#(secret)"}]}"#,
            "two keys with the id 'k1'"
        ),
    ]

    @Test(arguments: badFiles)
    func aBadKeyFileFailsNamingTheFileAndTheProblem(bad: (name: String, contents: String, problem: String)) throws {
        try withKeyFile(bad.contents) { path in
            let error = #expect(throws: SecurityError.self, "a key file with \(bad.name) loaded") {
                try KeyRing.load(file: path)
            }
            #expect(error?.code == .invalidKeyFile)
            #expect(error?.reason.contains("key file '\(path)'") == true, "\(String(describing: error))")
            #expect(error?.reason.contains(bad.problem) == true, "\(String(describing: error))")
            #expect(error?.reason.contains(Self.secret) == false)
        }
    }

    @Test func anEnvironmentVariableHoldsAKeyFileAsJSONOrBase64() throws {
        let json = #"{"active": "k1", "keys": [{"id": "k1", "algorithm": "symmetric", "key": "\#(Self.secret)"}]}"#
        let environment = ["KEYS_JSON": json, "KEYS_BASE64": Data(json.utf8).base64EncodedString(), "KEYS_BAD": "%%%"]
        #expect(try KeyRing.load(environmentVariable: "KEYS_JSON", environment: environment).activeKey?.id == "k1")
        #expect(try KeyRing.load(environmentVariable: "KEYS_BASE64", environment: environment).activeKey?.id == "k1")
        let bad = #expect(throws: SecurityError.self) {
            try KeyRing.load(environmentVariable: "KEYS_BAD", environment: environment)
        }
        #expect(bad?.reason.contains("environment variable 'KEYS_BAD'") == true)
        let missing = #expect(throws: SecurityError.self) {
            try KeyRing.load(environmentVariable: "KEYS_MISSING", environment: environment)
        }
        #expect(missing?.reason.contains("'KEYS_MISSING' is not set") == true)
    }

    @Test func aSymmetricKeyMustHave256Bits() throws {
        #expect(throws: SecurityError.self) { try SecurityKey(id: "short", secret: SymmetricKey(size: .bits128)) }
    }
}
