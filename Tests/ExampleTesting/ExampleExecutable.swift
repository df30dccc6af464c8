import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A built example executable, run as a process of its own, as a user runs it.
public struct ExampleExecutable {
    /// The executable's file.
    public let url: URL

    /// The executable `name` that `swift build` wrote beside the test bundle
    /// (`swift build --build-tests` builds it with the tests).
    ///
    /// - Throws: An error naming the directories searched when it is not there.
    public static func built(_ name: String) throws -> ExampleExecutable {
        let bundles = [Bundle.main.bundleURL] + Bundle.allBundles.map(\.bundleURL)
        let directories = bundles.flatMap { [$0, $0.deletingLastPathComponent()] }
        for directory in directories {
            let candidate = directory.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) {
                return ExampleExecutable(url: candidate)
            }
        }
        throw ExecutableMissing(name: name, searched: directories.map(\.path))
    }

    /// Starts the executable with `arguments`; its standard output and error go to a file whose
    /// contents a failing test shows.
    public func launch(_ arguments: [String]) throws -> ExampleChild {
        try ExampleChild(executable: url, arguments: arguments)
    }

    /// Why the executable could not be found.
    struct ExecutableMissing: Error, CustomStringConvertible {
        let name: String
        let searched: [String]

        var description: String {
            "\(name) was not found beside the tests (searched \(searched.joined(separator: ", "))); build it with `swift build --build-tests`"
        }
    }
}

/// One running process of an example.
public final class ExampleChild {
    private let process: Process
    private let output: URL
    private let exit: AsyncStream<Void>

    fileprivate init(executable: URL, arguments: [String]) throws {
        output = FileManager.default.temporaryDirectory.appendingPathComponent("example-\(UUID().uuidString).log")
        guard FileManager.default.createFile(atPath: output.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: output.path])
        }
        let log = try FileHandle(forWritingTo: output)
        let (exit, exited) = AsyncStream<Void>.makeStream()
        self.exit = exit
        process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        process.terminationHandler = { _ in
            exited.yield()
            exited.finish()
        }
        try process.run()
    }

    /// The process id.
    public var pid: Int32 { process.processIdentifier }

    /// What the process wrote to its standard output and error so far.
    public var log: String {
        (try? String(contentsOf: output, encoding: .utf8)) ?? ""
    }

    /// Kills the process with SIGKILL, which it cannot catch: nothing of it runs afterwards.
    /// Returns once it is gone.
    public func kill() async {
        if process.isRunning {
            _ = Self.signal(pid, SIGKILL)
        }
        await waitUntilExit()
    }

    /// Returns once the process has ended.
    public func waitUntilExit() async {
        for await _ in exit {}
    }

    /// Whether the process ended through SIGKILL.
    public var wasKilled: Bool {
        !process.isRunning && process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL
    }

    deinit {
        if process.isRunning {
            _ = Self.signal(pid, SIGKILL)
        }
        try? FileManager.default.removeItem(at: output)
    }

    private static func signal(_ pid: Int32, _ signal: Int32) -> Int32 {
        #if canImport(Glibc)
            Glibc.kill(pid, signal)
        #elseif canImport(Musl)
            Musl.kill(pid, signal)
        #else
            Darwin.kill(pid, signal)
        #endif
    }
}

/// A loopback port no process listens on now, for a process started next to listen on.
public func freeLoopbackPort() throws -> Int {
    #if canImport(Darwin)
        let descriptor = socket(AF_INET, SOCK_STREAM, 0)
    #else
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #endif
    guard descriptor >= 0 else { throw PortUnavailable(errno: errno) }
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
            guard bind(descriptor, address, length) == 0 else { return false }
            return getsockname(descriptor, address, &length) == 0
        }
    }
    guard bound else { throw PortUnavailable(errno: errno) }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// The system would not lend a loopback port.
struct PortUnavailable: Error, CustomStringConvertible {
    let errno: Int32

    var description: String { "no free loopback port: \(String(cString: strerror(errno)))" }
}
