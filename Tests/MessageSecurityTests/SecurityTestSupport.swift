import Crypto
import Foundation
import MessageSecurity
import Messaging
import Synchronization

/// A wall clock the test moves.
final class TestWallClock: Sendable {
    private let current: Mutex<Date>

    init(_ start: Date = Date(timeIntervalSince1970: 1_767_225_600)) {
        current = Mutex(start)
    }

    var now: Date { current.withLock { $0 } }

    func advance(by seconds: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }

    /// The clock as the closure the module takes.
    var reading: @Sendable () -> Date {
        { [self] in now }
    }
}

/// A new 256-bit symmetric key.
func symmetricKey(_ id: String, retires: Date? = nil, source: String? = nil) throws -> SecurityKey {
    try SecurityKey(id: id, secret: SymmetricKey(size: .bits256), retires: retires, source: source)
}

/// A ring with a new symmetric key and a new Ed25519 key; `symmetric` or `signing` is active.
func testRing(active: SealAlgorithm) throws -> KeyRing {
    let keys = [
        try symmetricKey("shared-1"),
        try SecurityKey(id: "signing-1", signingKey: Curve25519.Signing.PrivateKey()),
    ]
    return try KeyRing(keys, activeKeyID: active == .ed25519 ? "signing-1" : "shared-1")
}

/// An order placed, as course case 000's sales application publishes it.
func orderMessage(id: String = "order-123458", source: String = "/sales") -> Message {
    Message(
        id: id,
        source: source,
        type: "sales.order.placed",
        subject: "123458",
        dataContentType: "application/json",
        key: "123458",
        payload: Data(#"{"order_id":"123458","product":"Laptop","quantity":1,"price":1200.0}"#.utf8)
    )
}

/// A file in a new temporary directory, removed by the caller with `removeItem`.
func temporaryFile(named name: String, contents: String?) throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
        "messagesecurity-\(UUID().uuidString)"
    )
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let file = directory.appendingPathComponent(name)
    if let contents {
        try Data(contents.utf8).write(to: file)
    }
    return file
}
