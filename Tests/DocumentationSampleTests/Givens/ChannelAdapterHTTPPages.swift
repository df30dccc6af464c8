extension ChannelAdapterHTTPSamples: ChannelAdapterPage {}

extension ChannelAdapterHTTPCallingAnEndpointPerMessageSamples: ChannelAdapterPage {}
