/// What "Securing the connection" takes as given: secrets an application reads from its environment.
extension KafkaTransportSecuringTheConnectionSamples {
    /// The password of the client's private key.
    var keyPassword: String { "" }
    /// The SASL password.
    var password: String { "" }
    /// A managed service's API key and secret.
    var apiKey: String { "" }
    /// A managed service's API secret.
    var apiSecret: String { "" }
}
