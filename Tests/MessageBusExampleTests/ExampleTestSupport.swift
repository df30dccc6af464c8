import ExampleSupport
import KafkaTransport

@testable import MessageBusExample

/// The seed's POST body, with the seed's timestamp so that every answer can be compared as text.
let seedOrder =
    #"{"order_id": "123458", "product": "Laptop", "quantity": 1, "price": 1200.0, "timestamp": 1740246230.3059227}"#

/// The seed's answer to `GET /processed_orders/123458`, character for character.
let seedProcessedOrder = """
    {
        "order_id": "123458",
        "price": 1200.0,
        "product": "Laptop",
        "quantity": 1,
        "timestamp": 1740246230.3059227
    }
    """

/// A configuration on ports the system chooses, keeping its databases in `data` (by default a
/// fresh temporary directory).
func testConfiguration(
    _ role: ExampleConfiguration.Role = .all,
    kafka: KafkaConfiguration? = nil,
    data: DataDirectory? = nil
) -> ExampleConfiguration {
    var configuration = ExampleConfiguration(role: role, salesPort: 0, queryPort: 0, dataDirectory: data)
    if let kafka {
        configuration.transport = .kafka(kafka)
    }
    return configuration
}
