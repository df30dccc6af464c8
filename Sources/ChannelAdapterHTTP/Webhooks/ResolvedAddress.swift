import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// An address a host name resolved to, with its scope.
struct ResolvedAddress: Sendable, Hashable, CustomStringConvertible {
    /// The address in text, such as `127.0.0.1` or `::1`.
    let text: String
    /// Where the address belongs.
    let scope: AddressScope

    var description: String { text }

    /// Every address `host` resolves to, IPv4 and IPv6, through the system's resolver
    /// (`getaddrinfo`) on NIO's thread pool, so the cooperative pool never blocks. A literal
    /// address resolves to itself without a lookup.
    ///
    /// - Throws: A `String` reason when the name does not resolve.
    static func resolve(_ host: String) async throws(ResolutionFailure) -> [ResolvedAddress] {
        let result: Result<[ResolvedAddress], ResolutionFailure>
        do {
            result = try await NIOThreadPool.singleton.runIfActive { lookUp(host) }
        } catch {
            result = .failure(ResolutionFailure(reason: "the resolver could not run: \(error)"))
        }
        return try result.get()
    }

    /// Why a host name did not resolve.
    struct ResolutionFailure: Error {
        let reason: String
    }

    private static func lookUp(_ host: String) -> Result<[ResolvedAddress], ResolutionFailure> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Darwin)
            hints.ai_socktype = SOCK_STREAM
        #else
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        guard status == 0, let first = list else {
            return .failure(ResolutionFailure(reason: String(cString: gai_strerror(status))))
        }
        defer { freeaddrinfo(first) }
        var addresses: [ResolvedAddress] = []
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            if let address = Self(current.pointee), !addresses.contains(address) {
                addresses.append(address)
            }
            entry = current.pointee.ai_next
        }
        guard !addresses.isEmpty else {
            return .failure(ResolutionFailure(reason: "no IPv4 or IPv6 address"))
        }
        return .success(addresses)
    }

    private init?(_ info: addrinfo) {
        guard let socketAddress = info.ai_addr else { return nil }
        switch info.ai_family {
        case AF_INET:
            var bytes = socketAddress.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                withUnsafeBytes(of: pointer.pointee.sin_addr) { Array($0) }
            }
            bytes = Array(bytes.prefix(4))
            text = bytes.map(String.init).joined(separator: ".")
            scope = .of(ipv4: bytes)
        case AF_INET6:
            let bytes = socketAddress.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                withUnsafeBytes(of: pointer.pointee.sin6_addr) { Array($0) }
            }
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            let written = bytes.withUnsafeBytes { raw in
                inet_ntop(AF_INET6, raw.baseAddress, &buffer, socklen_t(buffer.count)) != nil
            }
            text =
                written
                ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "?"
            scope = .of(ipv6: bytes)
        default:
            return nil
        }
    }
}
