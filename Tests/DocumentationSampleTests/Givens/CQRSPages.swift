import CQRS
import CQRSSQLite
import GRDB
import InMemoryTransport
import MessageBus

/// The values the CQRS pages take as given: the application's bus, its requester and its database.
protocol CQRSPage {}

extension CQRSPage {
    /// The application's bus.
    var bus: Bus { Bus(transport: InMemoryTransport(), name: "rules") }
    /// The requester that sends commands and queries and waits for their answers.
    var requester: Requester { Requester(bus: bus, replyTopic: "rules.answers") }
    /// The application's database.
    var database: DatabaseQueue {
        get throws { try DatabaseQueue() }
    }
}

extension CQRSSamples: CQRSPage {}
extension CQRSSendingCommandsSamples: CQRSPage {}
extension CQRSPublishingEventsThroughTheOutboxSamples: CQRSPage {}
extension CQRSAskingQueriesSamples: CQRSPage {}
extension CQRSProcessingEventsSamples: CQRSPage {}
extension CQRSReadingYourWritesSamples: CQRSPage {}
extension CQRSSQLiteSamples: CQRSPage {}
extension CQRSSQLiteBuildingAProjectionSamples: CQRSPage {}
extension CQRSSQLiteRebuildingAProjectionSamples: CQRSPage {}
