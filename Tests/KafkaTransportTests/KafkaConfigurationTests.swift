import Messaging
import Testing

@testable import KafkaTransport

@Suite("KafkaConfiguration")
struct KafkaConfigurationTests {
    @Test func producerDefaultsAreSafe() {
        let properties = KafkaConfiguration(bootstrapServers: ["a:9092", "b:9092"]).producerProperties
        #expect(properties["bootstrap.servers"] == "a:9092,b:9092")
        #expect(properties["enable.idempotence"] == "true")
        #expect(properties["acks"] == "all")
        #expect(properties["delivery.timeout.ms"] == "30000")
        #expect(properties["security.protocol"] == "plaintext")
    }

    @Test func consumersCommitOnlyWhatWasSettled() {
        let properties = KafkaConfiguration(bootstrapServers: ["a:9092"]).consumerProperties(group: "billing")
        #expect(properties["group.id"] == "billing")
        #expect(properties["enable.auto.commit"] == "false")
        #expect(properties["enable.auto.offset.store"] == "false")
        #expect(properties["partition.assignment.strategy"] == nil)
    }

    @Test func securityTranslatesToLibrdkafkaProperties() {
        var configuration = KafkaConfiguration(bootstrapServers: ["a:9093"])
        configuration.security = .saslSSL(
            .scramSHA512(username: "app", password: "secret"),
            tls: .init(
                caLocation: "/ca.pem",
                certificateLocation: "/c.pem",
                keyLocation: "/k.pem",
                verifiesHostname: false
            )
        )
        let properties = configuration.producerProperties
        #expect(properties["security.protocol"] == "sasl_ssl")
        #expect(properties["sasl.mechanisms"] == "SCRAM-SHA-512")
        #expect(properties["sasl.username"] == "app")
        #expect(properties["ssl.ca.location"] == "/ca.pem")
        #expect(properties["ssl.certificate.location"] == "/c.pem")
        #expect(properties["ssl.key.location"] == "/k.pem")
        #expect(properties["ssl.endpoint.identification.algorithm"] == "none")
        configuration.security = .saslPlaintext(.plain(username: "u", password: "p"))
        #expect(configuration.producerProperties["sasl.mechanisms"] == "PLAIN")
        configuration.security = .ssl(.init())
        #expect(configuration.producerProperties["security.protocol"] == "ssl")
        #expect(configuration.producerProperties["ssl.endpoint.identification.algorithm"] == "https")
    }

    @Test func additionalPropertiesOverrideEverything() {
        var configuration = KafkaConfiguration(bootstrapServers: ["a:9092"])
        configuration.additionalProperties = ["acks": "1", "statistics.interval.ms": "1000"]
        #expect(configuration.producerProperties["acks"] == "1")
        #expect(configuration.consumerProperties(group: "g")["statistics.interval.ms"] == "1000")
    }

    @Test func invalidPropertyFailsAtConstructionWithLibrdkafkasMessage() {
        var configuration = KafkaConfiguration(bootstrapServers: ["localhost:9092"])
        configuration.additionalProperties["no.such.property"] = "1"
        #expect {
            _ = try KafkaTransport(configuration: configuration)
        } throws: { error in
            let error = error as! MessagingError
            return error.code == .invalidConfiguration && error.reason.contains("no.such.property")
                && error.reason.contains("No such configuration property")
        }
    }

    @Test func secretsAreMaskedInErrors() {
        var configuration = KafkaConfiguration(bootstrapServers: ["localhost:9092"])
        configuration.security = .saslSSL(.plain(username: "u", password: "hunter2"), tls: .init())
        configuration.additionalProperties["sasl.mechanisms"] = "NOT-A-MECHANISM"
        do {
            _ = try KafkaTransport(configuration: configuration)
            Issue.record("an unknown SASL mechanism was accepted")
        } catch {
            #expect(!error.description.contains("hunter2"))
        }
    }

    @Test func emptyBootstrapServersAreRefused() {
        #expect {
            _ = try KafkaTransport(configuration: KafkaConfiguration(bootstrapServers: []))
        } throws: { ($0 as! MessagingError).code == .invalidConfiguration }
    }

    @Test func mockClusterRefusesUnknownBrokers() throws {
        let cluster = try KafkaMockCluster(brokers: 2)
        #expect(cluster.bootstrapServers.split(separator: ",").count == 2)
        #expect(throws: MessagingError.self) { try cluster.takeDown(broker: 3) }
        #expect(throws: MessagingError.self) { try KafkaMockCluster(brokers: 0) }
        #expect(KafkaMockCluster.ErrorCode.notLeaderForPartition.description == "NOT_LEADER_FOR_PARTITION")
    }

    @Test("A bootstrap server list splits into HOST:PORT entries; a malformed entry is named")
    func bootstrapServerLists() throws {
        #expect(try KafkaConfiguration.bootstrapServers(from: "a:9092, b:9093") == ["a:9092", "b:9093"])
        #expect(try KafkaConfiguration.bootstrapServers(from: "[::1]:9092") == ["[::1]:9092"])
        for bad in ["", "localhost", ":9092", "a:0", "a:9092,b:port"] {
            let error = #expect(throws: MessagingError.self) { try KafkaConfiguration.bootstrapServers(from: bad) }
            #expect(error?.code == .invalidConfiguration)
        }
        let error = #expect(throws: MessagingError.self) { try KafkaConfiguration.bootstrapServers(from: "a:1,b") }
        #expect(error?.reason == "'b' is not a bootstrap server: expected HOST:PORT.")
    }

    @Test("A mock cluster's client configuration points at it and settles groups in seconds")
    func mockClusterClientConfiguration() throws {
        let cluster = try KafkaMockCluster(brokers: 1)
        let configuration = cluster.clientConfiguration
        #expect(configuration.bootstrapServers == [cluster.bootstrapServers])
        #expect(configuration.consumer.sessionTimeout == .seconds(10))
        #expect(configuration.consumer.commitInterval == .milliseconds(200))
    }
}
