import ExampleSupport
import ExampleTesting
import Foundation
import InMemoryTransport
import Messaging
import Synchronization
import Testing

@testable import DatatypeChannelExample

@Suite("Course case 001 on the in-memory transport")
struct DatatypeChannelExampleTests {
    /// Messages ever written to `topic`.
    func published(to topic: String, on transport: InMemoryTransport) -> Int64 {
        transport.broker.snapshot(of: topic)?.partitions.reduce(0) { $0 + $1.endOffset } ?? 0
    }

    @Test("The seed's POST, GET by id and consume answer the seed's JSON, character for character")
    func seedCalls() async throws {
        let transport = InMemoryTransport()
        let application = try buildApplication(testConfiguration(), transport: transport, logger: quietLogger)
        try await running([application]) {
            let port = try await application.port()
            let sent = try await call(.POST, port, "/send_message", body: seedBody)
            #expect(sent.status == 200)
            #expect(sent.body == seedSent)

            let record = try await eventually(port, "/get_message/10")
            #expect(record.status == 200)
            #expect(record.body == seedRecord)

            let consumed = try await call(.GET, port, "/consume_message")
            #expect(consumed.status == 200)
            #expect(consumed.body == seedRecord)

            let empty = try await call(.GET, port, "/consume_message")
            #expect(empty.status == 404)
            #expect(empty.json["status"] as? String == "empty")
            #expect(try await call(.GET, port, "/get_message/11").status == 404)
            #expect(published(to: "datatype.customer.v1", on: transport) == 1)
        }
    }

    struct BadInput: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var body: Data
        var contentType: String? = "application/json"
        var status: Int
        var field: String?
    }

    static let badInputs: [BadInput] = [
        BadInput(
            testDescription: "a missing id_cliente",
            body: Data(#"{"nombre": "Grupo 3", "edad": 1}"#.utf8),
            status: 400,
            field: "id_cliente"
        ),
        BadInput(
            testDescription: "edad as a string",
            body: Data(#"{"id_cliente": "10", "nombre": "Grupo 3", "edad": "1"}"#.utf8),
            status: 400,
            field: "edad"
        ),
        BadInput(
            testDescription: "a negative edad",
            body: Data(#"{"id_cliente": "10", "nombre": "Grupo 3", "edad": -1}"#.utf8),
            status: 400,
            field: "edad"
        ),
        BadInput(
            testDescription: "an unknown field",
            body: Data(#"{"id_cliente": "10", "nombre": "Grupo 3", "edad": 1, "correo": "a@b.c"}"#.utf8),
            status: 400,
            field: "correo"
        ),
        BadInput(testDescription: "a body that is not JSON", body: Data("id_cliente=10".utf8), status: 400),
        BadInput(testDescription: "an empty body", body: Data(), status: 400),
        BadInput(
            testDescription: "an oversized body",
            body: Data(#"{"id_cliente": ""#.utf8) + Data(repeating: 0x61, count: 1_100_000) + Data(#""}"#.utf8),
            status: 413
        ),
        BadInput(testDescription: "a PNG", body: Files.png, contentType: "image/png", status: 415),
    ]

    @Test(
        "Bad input is refused with its status and a JSON error naming the field; nothing is published",
        arguments: badInputs
    )
    func badInput(_ input: BadInput) async throws {
        let transport = InMemoryTransport()
        let application = try buildApplication(testConfiguration(), transport: transport, logger: quietLogger)
        try await running([application]) {
            let port = try await application.port()
            let answer = try await call(.POST, port, "/send_message", bytes: input.body, contentType: input.contentType)
            #expect(answer.status == input.status)
            #expect(answer.json["error"] is String)
            #expect(answer.json["field"] as? String == input.field)
        }
        #expect(published(to: "datatype.customer.v1", on: transport) == 0)
    }

    @Test("Texts, images, videos and documents go on their own channels; a body of another type is refused")
    func otherChannels() async throws {
        let transport = InMemoryTransport()
        let application = try buildApplication(testConfiguration(), transport: transport, logger: quietLogger)
        try await running([application]) {
            let port = try await application.port()
            let text = try await call(
                .POST,
                port,
                "/send/text",
                bytes: Data("¡Hola!".utf8),
                contentType: "text/plain; charset=utf-8"
            )
            #expect(text.status == 200)
            #expect(
                try await call(.POST, port, "/send/image", bytes: Files.png, contentType: "image/png").status == 200
            )
            #expect(
                try await call(.POST, port, "/send/video", bytes: Files.mp4, contentType: "video/mp4").status == 200
            )
            #expect(
                try await call(.POST, port, "/send/document", bytes: Files.pdf, contentType: "application/pdf").status
                    == 200
            )
            let pdfAsVideo = try await call(.POST, port, "/send/video", bytes: Files.pdf, contentType: "video/mp4")
            #expect(pdfAsVideo.status == 415)
            #expect((pdfAsVideo.json["error"] as? String)?.contains("application/pdf") == true)
            let oversizedVideo = try await call(
                .POST,
                port,
                "/send/video",
                bytes: Files.mp4 + Data(count: 1024 * 1024),
                contentType: "video/mp4"
            )
            #expect(oversizedVideo.status == 413)

            let pngAsDocument = try await call(
                .POST,
                port,
                "/send/document",
                bytes: Files.png,
                contentType: "application/pdf"
            )
            #expect(pngAsDocument.status == 415)
            #expect((pngAsDocument.json["error"] as? String)?.contains("image/png") == true)
            let notUTF8 = try await call(
                .POST,
                port,
                "/send/text",
                bytes: Data([0x48, 0xC3, 0x28]),
                contentType: "text/plain"
            )
            #expect(notUTF8.status == 400)
            #expect(
                try await call(.POST, port, "/send/videos", bytes: Files.png, contentType: "video/mp4").status == 404
            )

            let files = try await eventually(port, "/received_files") {
                ($0.json["files"] as? [String: Int]) == ["document": 1, "image": 1, "text": 1, "video": 1]
            }
            #expect(files.status == 200)

            let channels = try await call(.GET, port, "/channels").json["channels"] as? [[String: Any]]
            #expect(channels?.map { $0["name"] as? String } == ["customer", "text", "image", "video", "document"])
            let schema = channels?.first?["schema"] as? [String: Any]
            #expect(schema?["$id"] as? String == "urn:datatype:customer:v1")
        }
        #expect(published(to: "datatype.text.v1", on: transport) == 1)
        #expect(published(to: "datatype.image.v1", on: transport) == 1)
        #expect(published(to: "datatype.video.v1", on: transport) == 1)
        #expect(published(to: "datatype.document.v1", on: transport) == 1)
    }

    @Test(
        "A foreign record on the customer topic goes to the invalid channel with an alert; the next record is processed"
    )
    func foreignRecord() async throws {
        let transport = InMemoryTransport()
        let application = try buildApplication(testConfiguration(), transport: transport, logger: quietLogger)
        try await running([application]) {
            let port = try await application.port()
            try await transport.publish(
                [Message(key: "10", payload: Data(#"{"order_id": "123458"}"#.utf8))],
                to: "datatype.customer.v1"
            )
            #expect(try await call(.POST, port, "/send_message", body: seedBody).status == 200)
            #expect(try await eventually(port, "/get_message/10").body == seedRecord)

            let alerts = try await eventually(port, "/alerts") { !(($0.json["alerts"] as? [Any]) ?? []).isEmpty }
            let alert = try #require((alerts.json["alerts"] as? [[String: Any]])?.first)
            #expect((alerts.json["alerts"] as? [Any])?.count == 1)
            #expect(alert["reason"] as? String == "typeMismatch")
            #expect(alert["topic"] as? String == "datatype.customer.v1")
            let metrics = try await call(.GET, port, "/metrics").body
            #expect(metrics.contains(#"datatype_invalid_total{channel="customer",reason="typeMismatch"} 1"#))
        }
        #expect(published(to: "datatype.customer.v1.invalid", on: transport) == 1)
    }

    @Test("The demo prints the seed's three calls, the refused inputs and the alert")
    func demo() async throws {
        let application = try buildApplication(testConfiguration(), logger: quietLogger)
        let printed = Printed()
        try await running([application]) {
            try await Demo(application: application).run(with: DemoPrinter { printed.append($0) })
        }
        let output = printed.text
        #expect(output.contains("POST http://localhost:"))
        #expect(output.contains("/send_message\n" + seedBody + "\n"))
        #expect(output.contains("200 OK\n" + seedSent.dropLast()))
        #expect(output.contains("/get_message/10\n200 OK\n" + seedRecord.dropLast()))
        #expect(output.contains("/consume_message\n200 OK\n" + seedRecord.dropLast()))
        #expect(output.contains("400 Bad Request"))
        #expect(output.contains("415 Unsupported Media Type"))
        #expect(output.contains(#""reason": "typeMismatch""#))
    }
}

/// What a demo printed.
final class Printed: Sendable {
    private let blocks = Mutex<[String]>([])

    func append(_ block: String) {
        blocks.withLock { $0.append(block) }
    }

    var text: String {
        blocks.withLock { $0.joined(separator: "\n") }
    }
}
