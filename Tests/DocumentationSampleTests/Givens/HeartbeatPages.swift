import GRDB
import Heartbeat
import InMemoryTransport
import Logging
import MessageBus

/// How many messages an application's handlers handled and how many failed, as a page's
/// failure-rate check reads them.
struct GivenHandlingCounts: Sendable {
    /// The counts so far.
    func snapshot() -> (handled: Int, failed: Int) { (100, 2) }
}

/// The values the heartbeat pages take as given: a transport, buses, a logger, a database and a
/// monitor.
protocol HeartbeatPage {}

extension HeartbeatPage {
    /// The application's transport.
    var transport: InMemoryTransport { InMemoryTransport() }
    /// The service's bus.
    var bus: Bus { Bus(transport: transport, name: "orders-query") }
    /// The monitoring application's bus.
    var monitoringBus: Bus { Bus(transport: transport, name: "monitor") }
    /// The application's logger.
    var logger: Logger { Logger(label: "heartbeat") }
    /// The service's database.
    var databaseQueue: DatabaseQueue { try! DatabaseQueue() }
    /// The service's counts of handled and failed messages.
    var counts: GivenHandlingCounts { GivenHandlingCounts() }
    /// The monitoring application's monitor.
    var monitor: HeartbeatMonitor { try! HeartbeatMonitor(bus: monitoringBus) }
}

extension HeartbeatSamples: HeartbeatPage {}
extension HeartbeatEmittingHeartbeatsSamples: HeartbeatPage {}
extension HeartbeatMonitoringServicesSamples: HeartbeatPage {}
extension HeartbeatServingTheHealthReportSamples: HeartbeatPage {}
