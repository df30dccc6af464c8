import Crypto
import Foundation
import MessageSecurity
import Messaging

/// What sealing costs around the bare swift-crypto primitive it is built on, per message.
enum SecurityScenarios {
    /// Seals and opens `count` messages of `payloadBytes` with `algorithm`; messages per second.
    static func sealAndOpenRate(_ algorithm: SealAlgorithm, payloadBytes: Int, count: Int) throws -> Double {
        let keys = try KeyRing(
            [try SecurityKey(id: "bench", secret: SymmetricKey(size: .bits256))],
            activeKeyID: "bench"
        )
        let sealer = MessageSealer(keys: keys)
        let message = Message(
            source: "/bench",
            type: "bench.order.placed",
            dataContentType: "application/json",
            payload: Data(repeating: UInt8(ascii: "x"), count: payloadBytes)
        )
        return try rate(count) {
            let opened = try sealer.open(try sealer.seal(message, with: algorithm))
            guard opened.message.payload.count == payloadBytes else { throw BenchmarkError("\(algorithm) lost bytes") }
        }
    }

    /// Computes and checks `count` HMAC-SHA256 codes of `payloadBytes`; messages per second.
    static func bareHMACRate(payloadBytes: Int, count: Int) throws -> Double {
        let key = SymmetricKey(size: .bits256)
        let payload = Data(repeating: UInt8(ascii: "x"), count: payloadBytes)
        return try rate(count) {
            let code = HMAC<SHA256>.authenticationCode(for: payload, using: key)
            guard HMAC<SHA256>.isValidAuthenticationCode(code, authenticating: payload, using: key) else {
                throw BenchmarkError("HMAC did not verify")
            }
        }
    }

    /// Seals and opens `count` payloads of `payloadBytes` with bare AES-GCM; messages per second.
    static func bareAESGCMRate(payloadBytes: Int, count: Int) throws -> Double {
        let key = SymmetricKey(size: .bits256)
        let payload = Data(repeating: UInt8(ascii: "x"), count: payloadBytes)
        return try rate(count) {
            let box = try AES.GCM.seal(payload, using: key)
            guard try AES.GCM.open(box, using: key).count == payloadBytes else {
                throw BenchmarkError("AES-GCM lost bytes")
            }
        }
    }

    /// Runs `body` `count` times; runs per second.
    private static func rate(_ count: Int, _ body: () throws -> Void) rethrows -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<count {
            try body()
        }
        return Double(count) / seconds(clock.now - start)
    }

    /// The module's sign+verify (HMAC-SHA256) or seal+open (AES-256-GCM) beside the bare
    /// primitive on the same payload size; the ratio is the slowdown.
    static func overhead(_ algorithm: SealAlgorithm, payloadBytes: Int) -> Scenario {
        let size = payloadBytes >= 1024 ? "\(payloadBytes / 1024)KB" : "\(payloadBytes)B"
        let name = algorithm.encrypts ? "security-seal-open-\(size)" : "security-sign-verify-\(size)"
        return Scenario(name: name) { scale in
            let count = payloadBytes >= 1024 ? scale.securityMessages / 10 : scale.securityMessages
            let (project, baseline) = try await Scenario.alternate(rounds: scale.rounds) {
                algorithm.encrypts
                    ? try bareAESGCMRate(payloadBytes: payloadBytes, count: count)
                    : try bareHMACRate(payloadBytes: payloadBytes, count: count)
            } project: {
                try sealAndOpenRate(algorithm, payloadBytes: payloadBytes, count: count)
            }
            return ScenarioResult.slowdown(name, project: project, baseline: baseline, target: 1.5)
        }
    }

    static let all: [Scenario] = [
        overhead(.hmacSHA256, payloadBytes: 100),
        overhead(.hmacSHA256, payloadBytes: 10 * 1024),
        overhead(.aes256GCM, payloadBytes: 100),
        overhead(.aes256GCM, payloadBytes: 10 * 1024),
    ]
}
