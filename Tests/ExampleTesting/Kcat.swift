import Foundation
import Subprocess
import SystemPackage

/// Writes `records` to `topic` with kcat, the independent Kafka client a foreign producer would
/// use: plain records, one per line, with no headers.
///
/// - Throws: ``ExampleTestFailure`` if kcat is not installed (`scripts/test.sh` installs it) or
///   fails.
public func produceWithKcat(
    _ records: [String],
    to topic: String,
    bootstrapServers: String,
    file: String = #fileID,
    line: Int = #line
) async throws {
    let candidates = ["/usr/bin/kcat", "/usr/local/bin/kcat", "/opt/homebrew/bin/kcat"]
    guard let kcat = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
        throw ExampleTestFailure("kcat is needed: scripts/test.sh installs it", file: file, line: line)
    }
    let result = try await run(
        .path(FilePath(kcat)),
        arguments: ["-P", "-b", bootstrapServers, "-t", topic],
        input: .string(records.map { $0 + "\n" }.joined()),
        output: .discarded,
        error: .discarded
    )
    guard result.terminationStatus.isSuccess else {
        throw ExampleTestFailure("kcat ended with \(result.terminationStatus)", file: file, line: line)
    }
}
