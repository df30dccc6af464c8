import MessageSecurity

extension ChannelAdapterHTTPSamples: ChannelAdapterPage {}

extension ChannelAdapterHTTPCallingAnEndpointPerMessageSamples: ChannelAdapterPage {}

extension ChannelAdapterHTTPDeliveringWebhooksSamples: ChannelAdapterPage {
    /// The secret the publisher handed the subscriber, written `whsec_` and base64.
    var secretText: String { WebhookSecret.generate().encoded }
}

extension ChannelAdapterHTTPReceivingHTTPIntoAChannelSamples: ChannelAdapterPage {}
