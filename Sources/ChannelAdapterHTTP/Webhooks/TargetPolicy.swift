import ChannelAdapter

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Which URLs webhooks may be delivered to.
///
/// A webhook URL comes from whoever registers it, so a dispatcher that posts anywhere can be
/// turned against the network it runs in: a URL of `http://169.254.169.254/` reads a cloud
/// metadata service, `http://10.0.0.5/admin` an internal one. The default policy,
/// ``publicOnly``, allows only `http` and `https` URLs whose host resolves to public addresses
/// alone. The host is resolved — a name such as `localhost`, or one whose DNS points inside, is
/// judged by the addresses it resolves to, not by how it is written — and every address must be
/// allowed, IPv4 and IPv6 alike, including IPv4 addresses embedded in IPv6 ones.
///
/// The HTTP client resolves the host again to connect, a moment later; where subscribers may be
/// hostile, also limit what the dispatcher's host can reach at the network level.
///
/// ```swift
/// let policy = TargetPolicy.allowPrivateNetworks  // for tests and demos on one machine
/// ```
public struct TargetPolicy: Sendable, Hashable {
    /// The scopes deliveries may go to.
    public var allowedScopes: Set<AddressScope>
    /// The URL schemes deliveries may use. Default: `http` and `https`.
    public var allowedSchemes: Set<String>

    /// Creates a policy.
    ///
    /// - Parameters:
    ///   - allowedScopes: The scopes deliveries may go to. Default: public addresses only.
    ///   - allowedSchemes: The URL schemes allowed. Default: `http` and `https`.
    public init(
        allowedScopes: Set<AddressScope> = [.publicInternet],
        allowedSchemes: Set<String> = ["http", "https"]
    ) {
        self.allowedScopes = allowedScopes
        self.allowedSchemes = allowedSchemes
    }

    /// Public addresses only: the default, for URLs that others register.
    public static let publicOnly = TargetPolicy()

    /// Public, loopback, link-local and private-network addresses: for tests, demos, and
    /// dispatchers whose subscribers are all trusted.
    public static let allowPrivateNetworks = TargetPolicy(
        allowedScopes: [.publicInternet, .loopback, .linkLocal, .privateNetwork]
    )

    /// Checks that deliveries may go to `url`, resolving its host.
    ///
    /// - Throws: `ChannelAdapterError` with code `targetRefused`, naming the URL and why: a
    ///   scheme not allowed, no host, a host that does not resolve, or an address in a scope not
    ///   allowed.
    public func check(_ url: String) async throws(ChannelAdapterError) {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased() else {
            throw refusal(url, "it is not an absolute URL")
        }
        guard allowedSchemes.contains(scheme) else {
            throw refusal(url, "its scheme '\(scheme)' is not one of \(allowedSchemes.sorted())")
        }
        guard var host = parsed.host, !host.isEmpty else {
            throw refusal(url, "it names no host")
        }
        if host.hasPrefix("["), host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
        }
        let addresses: [ResolvedAddress]
        do throws(ResolvedAddress.ResolutionFailure) {
            addresses = try await ResolvedAddress.resolve(host)
        } catch {
            throw refusal(url, "its host '\(host)' does not resolve: \(error.reason)", retriable: true)
        }
        if let refused = addresses.first(where: { !allowedScopes.contains($0.scope) }) {
            let via = refused.text == host ? "" : " resolves to \(refused.text), which"
            throw refusal(
                url,
                "its host '\(host)'\(via) is \(refused.scope), which the target policy does not allow"
            )
        }
    }

    private func refusal(_ url: String, _ why: String, retriable: Bool = false) -> ChannelAdapterError {
        ChannelAdapterError(.targetRefused, "The webhook URL '\(url)' is refused: \(why).", isRetriable: retriable)
    }
}
