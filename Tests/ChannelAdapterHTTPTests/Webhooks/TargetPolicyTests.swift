import ChannelAdapter
import Testing

@testable import ChannelAdapterHTTP

@Suite("Webhook target policy")
struct TargetPolicyTests {
    static let refused: [(url: String, scope: AddressScope)] = [
        ("http://127.0.0.1:8080/hook", .loopback),
        ("http://localhost/hook", .loopback),
        ("http://[::1]/hook", .loopback),
        ("http://169.254.169.254/latest/meta-data", .linkLocal),
        ("http://[fe80::1]/hook", .linkLocal),
        ("http://10.1.2.3/hook", .privateNetwork),
        ("http://172.20.0.1/hook", .privateNetwork),
        ("https://192.168.1.10/hook", .privateNetwork),
        ("http://[fd00::1]/hook", .privateNetwork),
        ("http://[::ffff:127.0.0.1]/hook", .loopback),
        ("http://[64:ff9b::a9fe:a9fe]/hook", .linkLocal),
        ("http://[2002:a00:1::1]/hook", .privateNetwork),
        ("http://[2002:7f00:1::]/hook", .loopback),
        ("http://[64:ff9b:1::a00:1]/hook", .privateNetwork),
        ("http://0.0.0.0/hook", .unspecified),
    ]

    @Test(arguments: refused)
    func anAddressOutsideThePublicInternetIsRefused(url: String, scope: AddressScope) async throws {
        let error = try await #require(throws: ChannelAdapterError.self) {
            try await TargetPolicy.publicOnly.check(url)
        }
        #expect(error.code == .targetRefused)
        #expect(error.reason.contains(url))
        #expect(error.reason.contains(scope.description))
    }

    @Test func aNameIsJudgedByTheAddressesItResolvesTo() async throws {
        let error = try await #require(throws: ChannelAdapterError.self) {
            try await TargetPolicy.publicOnly.check("http://localhost:9/hook")
        }
        #expect(error.reason.contains("'localhost' resolves to"))
    }

    @Test func registeringARefusedURLFailsAndStoresNothing() async throws {
        let store = InMemorySubscriptionStore()
        let dispatcher = WebhookDispatcher(store: store)
        let error = await #expect(throws: ChannelAdapterError.self) {
            try await dispatcher.register(url: "http://127.0.0.1/hook", eventTypes: ["order.created"])
        }
        try await dispatcher.shutdown()
        #expect(error?.code == .targetRefused)
        #expect(try await store.list().isEmpty)
    }

    @Test(arguments: refused.filter { $0.scope != .unspecified }.map(\.url))
    func privateNetworksCanBeAllowed(url: String) async throws {
        try await TargetPolicy.allowPrivateNetworks.check(url)
    }

    @Test func aPublicLiteralIsAllowed() async throws {
        try await TargetPolicy.publicOnly.check("https://93.184.215.14/hook")
        try await TargetPolicy.publicOnly.check("https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/hook")
        try await TargetPolicy.publicOnly.check("https://[2002:5db8:d70e::1]/hook")
    }

    @Test(arguments: ["ftp://93.184.215.14/hook", "file:///etc/passwd", "not a url", "http:///hook"])
    func aURLThatIsNotHTTPIsRefused(url: String) async throws {
        let error = try await #require(throws: ChannelAdapterError.self) {
            try await TargetPolicy.allowPrivateNetworks.check(url)
        }
        #expect(error.code == .targetRefused)
    }

    @Test func scopesOfIPv4Addresses() {
        #expect(AddressScope.of(ipv4: [127, 0, 0, 1]) == .loopback)
        #expect(AddressScope.of(ipv4: [169, 254, 1, 1]) == .linkLocal)
        #expect(AddressScope.of(ipv4: [10, 0, 0, 1]) == .privateNetwork)
        #expect(AddressScope.of(ipv4: [172, 15, 0, 1]) == .publicInternet)
        #expect(AddressScope.of(ipv4: [172, 16, 0, 1]) == .privateNetwork)
        #expect(AddressScope.of(ipv4: [172, 31, 255, 255]) == .privateNetwork)
        #expect(AddressScope.of(ipv4: [172, 32, 0, 1]) == .publicInternet)
        #expect(AddressScope.of(ipv4: [100, 64, 0, 1]) == .privateNetwork)
        #expect(AddressScope.of(ipv4: [224, 0, 0, 1]) == .reserved)
        #expect(AddressScope.of(ipv4: [8, 8, 8, 8]) == .publicInternet)
    }

    @Test func scopesOfIPv6Addresses() {
        let embedded: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 10, 0, 0, 1]
        #expect(AddressScope.of(ipv6: embedded) == .privateNetwork)
        let nat64: [UInt8] = [0, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0, 169, 254, 169, 254]
        #expect(AddressScope.of(ipv6: nat64) == .linkLocal)
        #expect(AddressScope.of(ipv6: [0xFE, 0x80] + Array(repeating: 0, count: 14)) == .linkLocal)
        #expect(AddressScope.of(ipv6: [0xFD, 0x12] + Array(repeating: 0, count: 14)) == .privateNetwork)
        #expect(AddressScope.of(ipv6: [0x26, 0x06] + Array(repeating: 1, count: 14)) == .publicInternet)
    }
}
