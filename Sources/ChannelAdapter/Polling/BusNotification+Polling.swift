import MessageBus

extension BusNotification.Kind {
    /// A polling adapter's polls keep failing: raised once when the consecutive failures reach
    /// ``PollingConfiguration/failuresBeforeNotifying``, or at the first failure that trying
    /// again cannot fix, and not again until the adapter recovered.
    public static let pollingFailed = BusNotification.Kind("pollingFailed")
    /// A polling adapter that raised ``pollingFailed`` polled successfully again.
    public static let pollingRecovered = BusNotification.Kind("pollingRecovered")
}
