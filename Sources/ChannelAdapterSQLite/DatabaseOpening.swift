import ChannelAdapter
import GRDB

/// Opens the SQLite file at `path` for one of the module's stores, waiting up to `busyTimeout`
/// for another connection's write.
///
/// - Parameter what: What the database holds, for the error: "cursor", "webhook subscription".
/// - Throws: `ChannelAdapterError` with code `invalidConfiguration`, naming the path and
///   SQLite's reason.
func openDatabase(at path: String, busyTimeout: Duration, for what: String) throws -> DatabaseQueue {
    var configuration = Configuration()
    configuration.busyMode = .timeout(busyTimeout / .seconds(1))
    do {
        return try DatabaseQueue(path: path, configuration: configuration)
    } catch {
        throw ChannelAdapterError(
            .invalidConfiguration,
            "Cannot open the \(what) database at '\(path)': \(error)",
            underlying: error
        )
    }
}
