import DatatypeChannel
import Foundation
import MessageBus
import MessageBusTesting
import Messaging
import Testing

@Suite("Schema versions")
struct VersionTests {
    static let customers = TypedChannel(CustomerV2.self, upgrading: [CustomerV2.upgrade])

    @Test func theChannelAcceptsItsVersionAndThoseItUpgrades() {
        #expect(Self.customers.topic == "datatype.customer.v2")
        #expect(Self.customers.acceptedVersions == [1, 2])
        #expect(TypedChannel(CustomerV2.self).acceptedVersions == [2])
    }

    @Test func aV1RecordOnAV2ChannelIsUpgraded() async throws {
        let harness = BusHarness()
        let received = Collector<CustomerV2>()
        try harness.bus.consume(Self.customers, group: "crm", options: .init(concurrency: 1)) { customer, _ in
            received.append(customer)
        }
        // A producer still on version 1 writes to the version 2 topic.
        let v1 = try TypedChannel(Customer.self).message(Customer.seed)
        #expect(v1.dataSchema == "urn:datatype:customer:v1")
        try await harness.run {
            try await harness.transport.publish(v1, to: Self.customers.topic)
            try await harness.waitUntilHandled(Self.customers.topic, group: "crm")
        }
        #expect(
            received.all == [CustomerV2(id: "10", name: "Ada", age: 1, promotions: ["20% off"])]
        )
        #expect(harness.published(to: Self.customers.invalidTopic).isEmpty)
    }

    @Test func aV3RecordGoesToTheInvalidChannel() async throws {
        let harness = BusHarness()
        let received = Collector<CustomerV2>()
        try harness.bus.consume(Self.customers, group: "crm", options: .init(concurrency: 1)) { customer, _ in
            received.append(customer)
        }
        var v3 = try Self.customers.message(
            CustomerV2(id: "11", name: "Grace", age: 2, promotions: [])
        )
        v3.dataSchema = "urn:datatype:customer:v3"
        let v2 = try Self.customers.message(CustomerV2(id: "12", name: "Edsger", age: 3, promotions: []))
        try await harness.run {
            try await harness.transport.publish([v3, v2], to: Self.customers.topic)
            try await harness.waitUntilHandled(Self.customers.topic, group: "crm")
        }
        #expect(received.all.map(\.id) == ["12"])
        let invalid = harness.published(to: Self.customers.invalidTopic)
        #expect(invalid.map(\.id) == [v3.id])
        #expect(invalid.first?.headers[InvalidMessageHeader.reason] == "unsupportedVersion")
        #expect(invalid.first?.headers[InvalidMessageHeader.actual] == "v3")
        #expect(invalid.first?.headers[InvalidMessageHeader.expected] == "v1, v2")
        #expect(harness.notifications.map(\.reason) == ["unsupportedVersion"])
    }

    @Test func aV1RecordOnAChannelThatDoesNotUpgradeIsInvalid() throws {
        let v1 = try TypedChannel(Customer.self).message(Customer.seed)
        let error = #expect(throws: DatatypeError.self) { try TypedChannel(CustomerV2.self).value(of: v1) }
        #expect(error?.code == .unsupportedVersion)
    }

    @Test func aRecordWithoutASchemaVersionIsInvalid() throws {
        var message = try Self.customers.message(CustomerV2(id: "10", name: "Ada", age: 1, promotions: []))
        message.dataSchema = nil
        let error = #expect(throws: DatatypeError.self) { try Self.customers.value(of: message) }
        #expect(error?.code == .unsupportedVersion)
        #expect(error?.actual == "none")
    }
}
