import ExampleSupport
import ExampleTesting
import Foundation
import KafkaTransport
import Testing

@testable import CQRSExample

@Suite("Course case 004 on a Kafka mock cluster")
struct KafkaExampleTests {
    /// A role of the example on `kafka`, with its own data directory.
    func role(_ role: ExampleConfiguration.Role, on kafka: KafkaConfiguration) throws -> ExampleApplication {
        var configuration = testConfiguration()
        configuration.role = role
        configuration.transport = .kafka(kafka)
        configuration.dataDirectory = try DataDirectory(nil)
        return try buildApplication(configuration, logger: quietLogger)
    }

    @Test("The command and the query side as separate processes: POST, then GET at once with the token")
    func separateSides() async throws {
        let cluster = try KafkaMockCluster(brokers: 1)
        for topic in [
            ruleEventsTopic, "commands.\(CreateRule.messageType)", "commands.\(UpdateRule.messageType)",
            "commands.\(DeleteRule.messageType)", "monitor_aperturas.answers", orderedProductsTopic, "heartbeats",
        ] {
            try cluster.createTopic(topic, partitions: 1)
        }
        let kafka = cluster.clientConfiguration
        let commands = try role(.commands, on: kafka)
        let queries = try role(.queries, on: kafka)
        try await running([commands, queries]) {
            let created = try await call(
                .POST,
                commands.commandsPort(),
                "/monitor_aperturas/reglas",
                body: ruleBody
            )
            #expect(created.status == 201)
            let token = try #require(created.headers.first(name: "X-Consistency-Token"))
            let read = try await call(
                .GET,
                queries.queriesPort(),
                "/monitor_aperturas/reglas/1",
                headers: ["X-Consistency-Token": token]
            )
            #expect(read.status == 200)
            #expect(read.json["nombre"] as? String == "Caja fuerte")
            let bad = try await call(.POST, commands.commandsPort(), "/monitor_aperturas/reglas", body: "[]")
            #expect(bad.status == 400)
        }
    }
}
