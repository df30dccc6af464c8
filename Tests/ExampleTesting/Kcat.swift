import Foundation

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
) throws {
    let candidates = ["/usr/bin/kcat", "/usr/local/bin/kcat", "/opt/homebrew/bin/kcat"]
    guard let kcat = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
        throw ExampleTestFailure("kcat is needed: scripts/test.sh installs it", file: file, line: line)
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: kcat)
    process.arguments = ["-P", "-b", bootstrapServers, "-t", topic]
    let input = Pipe()
    process.standardInput = input
    process.standardError = FileHandle.nullDevice
    try process.run()
    input.fileHandleForWriting.write(Data(records.map { $0 + "\n" }.joined().utf8))
    try input.fileHandleForWriting.close()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw ExampleTestFailure("kcat exited with \(process.terminationStatus)", file: file, line: line)
    }
}
