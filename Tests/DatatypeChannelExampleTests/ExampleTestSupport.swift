import Foundation
import KafkaTransport

@testable import DatatypeChannelExample

/// The seed's body of `POST /send_message`.
let seedBody = #"{"id_cliente": "10", "nombre": "Grupo 3", "edad": 1, "promocion": "20% de descuento"}"#

/// The seed's answer to `POST /send_message`, character for character.
let seedSent = """
    {
        "message": "Mensaje enviado a Kafka y almacenado en Redis",
        "status": "success"
    }

    """

/// The seed's answer to `GET /get_message/10` and `GET /consume_message`, character for character.
let seedRecord = """
    {
        "message": {
            "edad": 1,
            "id_cliente": "10",
            "nombre": "Grupo 3",
            "promocion": "20% de descuento"
        },
        "status": "success"
    }

    """

/// A configuration on a port the system chooses.
func testConfiguration(_ role: ExampleConfiguration.Role = .all, kafka: KafkaConfiguration? = nil)
    -> ExampleConfiguration
{
    var configuration = ExampleConfiguration(role: role, port: 0)
    if let kafka {
        configuration.transport = .kafka(kafka)
    }
    return configuration
}

/// Files of the formats the binary channels carry, as their first bytes.
enum Files {
    static let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D])
    static let pdf = Data("%PDF-1.7\n".utf8)
    /// The first box of an MP4 file: its size, `ftyp`, the brand `isom`.
    static let mp4 = Data([0x00, 0x00, 0x00, 0x18]) + Data("ftypisom".utf8)
}
