import ExampleSupport
import MessageBus
import MessageSecurity

/// How `--secure` protects the orders on the Message Bus: sales encrypts and authenticates each
/// order with AES-256-GCM under the active key of the key file; inventory and billing open it,
/// and refuse — into `<topic>.quarantine` — any message on the topic that is not sealed, does not
/// check out, was handled before, or was not published by `/sales`.
struct OrderSecurity: Sendable {
    /// The only source that may publish orders.
    static let salesSource = "/sales"

    /// The keys: the active one seals, every key that has not retired opens.
    let keys: KeyRing

    /// Security with the key ring `keys`.
    init(keys: KeyRing) {
        self.keys = keys
    }

    /// Security with the key ring in the key file at `path`.
    ///
    /// - Throws: ``ExampleError`` naming `--keys`, the file and what is wrong with it.
    init(keyFile path: String) throws(ExampleError) {
        do {
            keys = try KeyRing.load(file: path)
        } catch {
            throw ExampleError("--keys: \(error.reason)")
        }
    }

    /// What orders are sealed with: encrypted and authenticated.
    static let algorithm = SealAlgorithm.aes256GCM

    /// Every message on `topic` is sealed with ``algorithm``.
    func policy(topic: String) -> SecurityPolicy {
        SecurityPolicy([.init(topic: topic, algorithm: Self.algorithm)])
    }

    /// Only sales may publish orders on `topic`, and nothing else may be published there.
    func authorization(topic: String) -> PublisherAuthorization {
        PublisherAuthorization([.allow(Self.salesSource, toPublish: [Order.messageType], on: [topic])])
    }

    /// The link of the sales bus's outgoing pipeline that seals each order sent to `topic`.
    ///
    /// - Throws: ``ExampleError`` naming `--keys` when the key ring has no active key, or one
    ///   that cannot encrypt.
    func sender(topic: String) throws(ExampleError) -> SecureSender {
        do {
            return try SecureSender(keys: keys, policy: policy(topic: topic))
        } catch {
            throw ExampleError("--keys: sales cannot seal orders with \(keys): \(error.reason)")
        }
    }

    /// The receiving middleware of inventory and billing: it opens orders on `topic` and puts
    /// what fails on `quarantineTopic`, remembering handled orders in `replays` to refuse them
    /// if they come again.
    func receiver(topic: String, quarantineTopic: String, replays: any IdempotencyStore) -> SecureReceiver {
        SecureReceiver(
            keys: keys,
            policy: policy(topic: topic),
            authorization: authorization(topic: topic),
            replays: replays,
            quarantineTopic: quarantineTopic
        )
    }
}
