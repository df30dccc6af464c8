/// Which part of the address space an IP address belongs to, for deciding whether a webhook
/// may be delivered there.
public enum AddressScope: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// An address on the public internet.
    case publicInternet
    /// The machine itself: `127.0.0.0/8` and `::1`.
    case loopback
    /// A link's own addresses, such as cloud metadata services: `169.254.0.0/16` and
    /// `fe80::/10`.
    case linkLocal
    /// A private network: `10.0.0.0/8`, `172.16.0.0/12`, `192.168.0.0/16`, the shared address
    /// space `100.64.0.0/10` and IPv6 unique local addresses `fc00::/7`.
    case privateNetwork
    /// No address in particular, which reaches the machine itself: `0.0.0.0/8` and `::`.
    case unspecified
    /// Multicast, broadcast and ranges reserved for future use or documentation.
    case reserved

    /// The scope's name in words, for error messages.
    public var description: String {
        switch self {
        case .publicInternet: "a public address"
        case .loopback: "a loopback address"
        case .linkLocal: "a link-local address"
        case .privateNetwork: "a private-network address"
        case .unspecified: "the unspecified address"
        case .reserved: "a multicast or reserved address"
        }
    }

    /// The scope of an IPv4 address given as its four bytes.
    static func of(ipv4 bytes: [UInt8]) -> AddressScope {
        precondition(bytes.count == 4, "An IPv4 address has 4 bytes.")
        let (a, b) = (bytes[0], bytes[1])
        switch a {
        case 0: return .unspecified
        case 10: return .privateNetwork
        case 127: return .loopback
        case 100 where (64...127).contains(b): return .privateNetwork
        case 169 where b == 254: return .linkLocal
        case 172 where (16...31).contains(b): return .privateNetwork
        case 192 where b == 168: return .privateNetwork
        case 192 where b == 0 && bytes[2] == 0: return .reserved
        case 192 where b == 0 && bytes[2] == 2, 198 where b == 51 && bytes[2] == 100,
            203 where b == 0 && bytes[2] == 113:
            return .reserved
        case 198 where b == 18 || b == 19: return .reserved
        case 224...255: return .reserved
        default: return .publicInternet
        }
    }

    /// The scope of an IPv6 address given as its sixteen bytes; an IPv4 address embedded in
    /// it (mapped, compatible, NAT64 `64:ff9b::/96` or 6to4 `2002::/16`) has the scope of that
    /// address, and the local-use NAT64 prefix `64:ff9b:1::/48` is a private network.
    static func of(ipv6 bytes: [UInt8]) -> AddressScope {
        precondition(bytes.count == 16, "An IPv6 address has 16 bytes.")
        let prefix = bytes[0..<12]
        if prefix.allSatisfy({ $0 == 0 }) {
            switch Array(bytes[12...]) {
            case [0, 0, 0, 0]: return .unspecified
            case [0, 0, 0, 1]: return .loopback
            default: return of(ipv4: Array(bytes[12...]))
            }
        }
        if prefix.elementsEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF])
            || prefix.elementsEqual([0, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0])
        {
            return of(ipv4: Array(bytes[12...]))
        }
        if bytes[0] == 0x20, bytes[1] == 0x02 {
            return of(ipv4: Array(bytes[2..<6]))
        }
        if bytes[0..<6].elementsEqual([0, 0x64, 0xFF, 0x9B, 0, 0x01]) {
            return .privateNetwork
        }
        switch bytes[0] {
        case 0xFE where bytes[1] & 0xC0 == 0x80: return .linkLocal
        case 0xFE where bytes[1] & 0xC0 == 0xC0: return .privateNetwork
        case 0xFC, 0xFD: return .privateNetwork
        case 0xFF: return .reserved
        case 0x20 where bytes[1] == 0x01 && bytes[2] == 0x0D && bytes[3] == 0xB8: return .reserved
        default: return .publicInternet
        }
    }
}
