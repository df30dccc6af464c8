import AsyncHTTPClient
import ChannelAdapter

extension ChannelAdapterError.Code {
    /// An HTTP endpoint answered a status that trying again may change: 408, 429 or a 5xx.
    /// `ChannelAdapterError.statusCode` holds it.
    public static let unavailable = ChannelAdapterError.Code("unavailable")
    /// An HTTP endpoint answered a body that does not decode as expected.
    /// `ChannelAdapterError.underlying` holds the decoding error.
    public static let undecodableResponse = ChannelAdapterError.Code("undecodableResponse")
}

/// Maps what an HTTP exchange ended with to a `ChannelAdapterError` classified as worth
/// retrying or not.
enum HTTPFailure {
    /// The error for an answer with a status other than 2xx (and 304 where expected): retriable
    /// for 408, 429 and 5xx, permanent otherwise.
    static func status(_ status: Int, url: String, method: String, adapter: String?) -> ChannelAdapterError {
        if DeliveryPolicy.isRetriable(statusCode: status) {
            return ChannelAdapterError(
                .unavailable,
                "\(method) \(url) answered \(status); trying again may succeed.",
                isRetriable: true,
                adapter: adapter,
                statusCode: status
            )
        }
        return ChannelAdapterError(
            .rejected,
            "\(method) \(url) answered \(status), which trying again cannot change.",
            isRetriable: false,
            adapter: adapter,
            statusCode: status
        )
    }

    /// The error for an exchange that produced no answer: a timeout, a connection refused or
    /// lost (retriable), or a request that could not be made at all (not retriable).
    static func exchange(_ error: any Error, url: String, method: String, adapter: String?) -> ChannelAdapterError {
        if let error = error as? ChannelAdapterError {
            return error
        }
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout, .getConnectionFromPoolTimeout:
                return ChannelAdapterError(
                    .timedOut,
                    "\(method) \(url) did not answer in time.",
                    isRetriable: true,
                    adapter: adapter,
                    underlying: error
                )
            case .invalidURL, .emptyHost, .emptyScheme, .missingSocketPath:
                return ChannelAdapterError(
                    .invalidConfiguration,
                    "\(method) \(url) cannot be sent: \(error).",
                    isRetriable: false,
                    adapter: adapter,
                    underlying: error
                )
            default:
                break
            }
        }
        return ChannelAdapterError(
            .connectionFailed,
            "\(method) \(url) failed without an answer: \(error).",
            isRetriable: true,
            adapter: adapter,
            underlying: error
        )
    }
}
