import Foundation
import GRDB

/// The directory where an example's applications keep their databases: one SQLite file per
/// application (`inventory.sqlite`), because each microservice owns its data.
///
/// A process started again on the same directory answers for what it processed before.
public struct DataDirectory: Sendable, Equatable {
    /// The directory's path.
    public let path: String

    /// Uses the directory at `path`, creating it if needed, or a fresh temporary directory when
    /// `path` is `nil`.
    ///
    /// - Throws: ``ExampleError`` naming `--data-dir` when the directory cannot be created.
    public init(_ path: String?) throws(ExampleError) {
        let path =
            path
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("example-data-\(UUID().uuidString)").path
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw ExampleError("--data-dir: cannot create the directory '\(path)': \(error.localizedDescription)")
        }
        self.path = path
    }

    /// The database file of the application `application`.
    public func databasePath(for application: String) -> String {
        URL(fileURLWithPath: path).appendingPathComponent("\(application).sqlite").path
    }

    /// Opens (creating if needed) the database of the application `application` and brings its
    /// schema up to date with `migrator`.
    ///
    /// Processes of one application that share the directory share the file: a write waits up to
    /// five seconds for another process's transaction to end.
    ///
    /// - Throws: ``ExampleError`` naming the file and SQLite's reason.
    public func openDatabase(for application: String, migrator: DatabaseMigrator) throws(ExampleError) -> DatabaseQueue
    {
        let file = databasePath(for: application)
        do {
            var configuration = Configuration()
            configuration.busyMode = .timeout(5)
            let database = try DatabaseQueue(path: file, configuration: configuration)
            try migrator.migrate(database)
            return database
        } catch {
            throw ExampleError("cannot open the \(application) database '\(file)': \(error)")
        }
    }
}
