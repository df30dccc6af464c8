import Foundation
import InMemoryTransport
import Messaging

/// What "Implementing a transport" takes as given: the transport it outlines, played here by the
/// in-memory transport, and the values a transport has at hand when it hands out a delivery.
extension MessagingImplementingATransportSamples {
    /// The outlined transport.
    typealias MyTransport = InMemoryTransport

    /// The outlined transport's capabilities.
    var capabilities: TransportCapabilities { MyTransport().capabilities }
    /// The cluster the tests share.
    var shared: InMemoryBroker { InMemoryBroker() }
    /// The message of a delivery.
    var message: Message { Message(payload: Data()) }
    /// The topic, group, partition and offset of a delivery.
    var topic: String { "orders" }
    /// The group of a delivery.
    var group: String { "billing" }
    /// The partition of a delivery.
    var partition: Int { 0 }
    /// The offset of a delivery.
    var offset: Int64 { 0 }
    /// The attempt of a delivery.
    var attempt: Int { 1 }
    /// The member that settles the delivery.
    var settler: MemberSettler { MemberSettler() }
}

extension InMemoryTransport {
    /// The outlined transport's initializer, as the page's test calls it.
    convenience init(cluster: InMemoryBroker) {
        self.init(broker: cluster)
    }
}
