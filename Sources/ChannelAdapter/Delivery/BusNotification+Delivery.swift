import MessageBus

extension BusNotification.Kind {
    /// An external system refused a delivery for good — a status such as 400 or 404 that
    /// trying again cannot change — and the message was set aside on a dead-letter topic.
    public static let deliveryRejected = BusNotification.Kind("deliveryRejected")
}
