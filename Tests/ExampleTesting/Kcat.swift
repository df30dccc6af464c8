import Foundation
import Subprocess
import SystemPackage

/// Runs kcat, the independent Kafka client a foreign producer or consumer would use, with
/// `arguments`, feeding it `input`; returns what it printed.
///
/// The run is awaited, not waited for: a test blocked on a child process would hold one of the
/// few threads every other test's tasks run on.
///
/// - Throws: ``ExampleTestFailure`` if kcat is not installed (`scripts/test.sh` installs it) or
///   fails.
public func kcat(
    _ arguments: [String],
    input: Data = Data(),
    file: String = #fileID,
    line: Int = #line
) async throws -> Data {
    let candidates = ["/usr/bin/kcat", "/usr/local/bin/kcat", "/opt/homebrew/bin/kcat"]
    guard let kcat = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
        throw ExampleTestFailure("kcat is needed: scripts/test.sh installs it", file: file, line: line)
    }
    let result = try await run(
        .path(FilePath(kcat)),
        arguments: Arguments(arguments),
        input: .array(Array(input)),
        output: .bytes(limit: 64 << 20),
        error: .discarded
    )
    guard result.terminationStatus.isSuccess else {
        throw ExampleTestFailure(
            "kcat \(arguments.joined(separator: " ")) ended with \(result.terminationStatus)",
            file: file,
            line: line
        )
    }
    return Data(result.standardOutput)
}

/// Writes `records` to `topic` with kcat: plain records, one per line, with no headers.
///
/// - Throws: ``ExampleTestFailure`` if kcat is not installed or fails.
public func produceWithKcat(
    _ records: [String],
    to topic: String,
    bootstrapServers: String,
    file: String = #fileID,
    line: Int = #line
) async throws {
    _ = try await kcat(
        ["-P", "-b", bootstrapServers, "-t", topic],
        input: Data(records.map { $0 + "\n" }.joined().utf8),
        file: file,
        line: line
    )
}
