import ExampleTesting
import Foundation
import InMemoryTransport
import Testing

@testable import DatatypeChannelExample

/// `eip channels` against course case 001's sender, running in this process.
@Suite("eip channels")
struct EIPChannelsTests {
    let tool = EIPTests()

    /// Runs case 001 on the in-memory transport, on a port the system chooses, around `body`.
    func withCase001(_ body: (Int) async throws -> Void) async throws {
        let application = try buildApplication(
            ExampleConfiguration(role: .all, port: 0),
            transport: InMemoryTransport(),
            logger: quietLogger
        )
        try await running([application]) {
            try await body(try await application.port())
        }
    }

    @Test("Prints every channel with its topic, datatype, limits and JSON Schema")
    func text() async throws {
        try await withCase001 { port in
            let run = try await tool.eip(["channels", "--url", "http://127.0.0.1:\(port)"])
            #expect(run.status == 0, "\(run.error)")
            let headings = run.lines.filter { !$0.hasPrefix(" ") && !$0.isEmpty }
            #expect(
                headings == [
                    "customer: topic datatype.customer.v1, invalid messages to datatype.customer.v1.invalid",
                    "text: topic datatype.text.v1, invalid messages to datatype.text.v1.invalid",
                    "image: topic datatype.image.v1, invalid messages to datatype.image.v1.invalid",
                    "video: topic datatype.video.v1, invalid messages to datatype.video.v1.invalid",
                    "document: topic datatype.document.v1, invalid messages to datatype.document.v1.invalid",
                ]
            )
            #expect(run.lines.contains("  datatype customer v1, accepts v1"))
            #expect(run.lines.contains("  video/mp4, up to 1048576 bytes"))
            #expect(run.lines.contains("  text/plain, up to 65536 bytes"))
            #expect(run.lines.contains(#"      "$id" : "urn:datatype:customer:v1","#))
            #expect(run.lines.contains(#"        "id_cliente" : {"#))
        }
    }

    @Test("--json prints the catalog as one JSON document, schemas included")
    func json() async throws {
        try await withCase001 { port in
            let run = try await tool.eip(["channels", "--url", "http://127.0.0.1:\(port)/", "--json"])
            #expect(run.status == 0, "\(run.error)")
            let channels = tool.json(run.output)["channels"] as? [[String: Any]]
            #expect(channels?.map { $0["name"] as? String } == ["customer", "text", "image", "video", "document"])
            let schema = channels?.first?["schema"] as? [String: Any]
            #expect((schema?["required"] as? [String])?.contains("id_cliente") == true)
        }
    }

    @Test("A bad URL, nothing listening and a service without a catalog get one-line errors")
    func errors() async throws {
        let badURL = try await tool.eip(["channels", "--url", "localhost:5000"])
        #expect(badURL.status == 64)
        #expect(badURL.error.contains("--url expects an http or https URL"))

        let badTimeout = try await tool.eip(["channels", "--timeout", "0"])
        #expect(badTimeout.status == 64)
        #expect(badTimeout.error.contains("--timeout must be a positive number of seconds"))

        let nobody = try await tool.eip(["channels", "--url", "http://127.0.0.1:9", "--timeout", "2"])
        #expect(nobody.status == 1)
        #expect(nobody.error.contains("cannot read http://127.0.0.1:9/channels: nothing is listening there"))
        #expect(nobody.output.isEmpty)

        try await withCase001 { port in
            let notACatalog = try await tool.eip(["channels", "--url", "http://127.0.0.1:\(port)/get_message/10"])
            #expect(notACatalog.status == 1)
            #expect(notACatalog.error.contains("answered 404 Not Found, not a catalog"), "\(notACatalog.error)")
        }
    }
}
