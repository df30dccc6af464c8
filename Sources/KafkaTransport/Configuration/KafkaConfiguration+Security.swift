extension KafkaConfiguration {
    /// How the transport authenticates and encrypts its connections to the brokers.
    public struct Security: Sendable, Hashable {
        enum Kind: Hashable {
            case plaintext
            case ssl(TLS)
            case saslPlaintext(SASL)
            case saslSSL(SASL, TLS)
        }

        let kind: Kind

        /// No encryption, no authentication (`security.protocol=plaintext`).
        public static let plaintext = Security(kind: .plaintext)

        /// TLS, optionally with a client certificate (`security.protocol=ssl`).
        public static func ssl(_ tls: TLS) -> Security {
            Security(kind: .ssl(tls))
        }

        /// SASL authentication over an unencrypted connection (`security.protocol=sasl_plaintext`).
        public static func saslPlaintext(_ sasl: SASL) -> Security {
            Security(kind: .saslPlaintext(sasl))
        }

        /// SASL authentication over TLS (`security.protocol=sasl_ssl`).
        public static func saslSSL(_ sasl: SASL, tls: TLS) -> Security {
            Security(kind: .saslSSL(sasl, tls))
        }
    }

    /// TLS settings. File paths are PEM files readable by the process.
    public struct TLS: Sendable, Hashable {
        /// The CA certificates that signed the brokers' certificates; `nil` uses the system's.
        public var caLocation: String?
        /// This client's certificate, for mutual TLS.
        public var certificateLocation: String?
        /// This client's private key, for mutual TLS.
        public var keyLocation: String?
        /// The password of ``keyLocation``, if it is encrypted.
        public var keyPassword: String?
        /// Check that the broker's certificate names the host connected to. Default: `true`.
        public var verifiesHostname: Bool

        /// Creates TLS settings; every parameter has the default documented on its property.
        public init(
            caLocation: String? = nil,
            certificateLocation: String? = nil,
            keyLocation: String? = nil,
            keyPassword: String? = nil,
            verifiesHostname: Bool = true
        ) {
            self.caLocation = caLocation
            self.certificateLocation = certificateLocation
            self.keyLocation = keyLocation
            self.keyPassword = keyPassword
            self.verifiesHostname = verifiesHostname
        }
    }

    /// SASL credentials.
    public struct SASL: Sendable, Hashable {
        let mechanism: String
        let username: String
        let password: String

        /// `PLAIN`: the password travels as is; use it over TLS only.
        public static func plain(username: String, password: String) -> SASL {
            SASL(mechanism: "PLAIN", username: username, password: password)
        }

        /// `SCRAM-SHA-256`.
        public static func scramSHA256(username: String, password: String) -> SASL {
            SASL(mechanism: "SCRAM-SHA-256", username: username, password: password)
        }

        /// `SCRAM-SHA-512`.
        public static func scramSHA512(username: String, password: String) -> SASL {
            SASL(mechanism: "SCRAM-SHA-512", username: username, password: password)
        }
    }
}

// MARK: - librdkafka properties

extension KafkaConfiguration {
    /// The librdkafka properties every client of this transport shares.
    var commonProperties: [String: String] {
        var properties = [
            "bootstrap.servers": bootstrapServers.joined(separator: ","),
            "client.id": clientID,
            "message.max.bytes": String(max(maximumMessageBytes + 4096, 1000)),
        ]
        properties.merge(security.properties) { $1 }
        return properties
    }

    /// Properties of the producer client (package-visible so benchmarks can give a plain
    /// librdkafka client exactly the same settings).
    package var producerProperties: [String: String] {
        var properties = commonProperties
        properties["enable.idempotence"] = String(producer.isIdempotent)
        properties["acks"] = producer.acks.value
        properties["delivery.timeout.ms"] = String(producer.deliveryTimeout.milliseconds)
        properties["linger.ms"] = String(producer.linger.milliseconds)
        properties["batch.size"] = String(producer.batchBytes)
        properties["compression.codec"] = producer.compression.value
        properties["queue.buffering.max.messages"] = String(producer.queueCapacity)
        return properties.merging(additionalProperties) { $1 }
    }

    /// Properties of one group member's consumer client (package-visible, like
    /// ``producerProperties``).
    package func consumerProperties(group: String) -> [String: String] {
        var properties = commonProperties
        properties["group.id"] = group
        properties["enable.auto.commit"] = "false"
        properties["enable.auto.offset.store"] = "false"
        properties["enable.partition.eof"] = "false"
        properties["allow.auto.create.topics"] = "true"
        properties["session.timeout.ms"] = String(consumer.sessionTimeout.milliseconds)
        properties["heartbeat.interval.ms"] = String(consumer.heartbeatInterval.milliseconds)
        properties["queued.min.messages"] = String(consumer.fetchAheadMessages)
        return properties.merging(additionalProperties) { $1 }
    }
}

extension KafkaConfiguration.Security {
    var properties: [String: String] {
        switch kind {
        case .plaintext:
            ["security.protocol": "plaintext"]
        case .ssl(let tls):
            tls.properties.merging(["security.protocol": "ssl"]) { $1 }
        case .saslPlaintext(let sasl):
            sasl.properties.merging(["security.protocol": "sasl_plaintext"]) { $1 }
        case .saslSSL(let sasl, let tls):
            sasl.properties.merging(tls.properties) { $1 }.merging(["security.protocol": "sasl_ssl"]) { $1 }
        }
    }
}

extension KafkaConfiguration.TLS {
    var properties: [String: String] {
        var properties = ["ssl.endpoint.identification.algorithm": verifiesHostname ? "https" : "none"]
        properties["ssl.ca.location"] = caLocation
        properties["ssl.certificate.location"] = certificateLocation
        properties["ssl.key.location"] = keyLocation
        properties["ssl.key.password"] = keyPassword
        return properties
    }
}

extension KafkaConfiguration.SASL {
    var properties: [String: String] {
        ["sasl.mechanisms": mechanism, "sasl.username": username, "sasl.password": password]
    }
}

extension Duration {
    /// Whole milliseconds, rounded down, at least 0.
    var milliseconds: Int {
        let (seconds, attoseconds) = components
        return max(0, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }
}
