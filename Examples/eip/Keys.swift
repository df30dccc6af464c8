import ArgumentParser
import Foundation
import MessageSecurity

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `eip keys`: key files for sealed messages.
struct Keys: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make key files for sealed messages (MessageSecurity, MessageBusExample --secure).",
        subcommands: [GenerateKeyFile.self]
    )
}

/// `eip keys generate`: a new key file with one fresh symmetric key.
struct GenerateKeyFile: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a new key file with one fresh symmetric key, made active.",
        discussion: """
            The key's 32 bytes come from the system's cryptographically secure random generator. The \
            file is created readable and writable by its owner only; give the same file to every \
            service that seals or opens the messages. Whoever reads it can read and forge them. \
            Prints the file and the key id, never the key.
            """
    )

    @Option(help: ArgumentHelp("Where to write the key file.", valueName: "file"))
    var out: String

    @Option(help: "The key's id, which every message sealed under it carries. Default: key- and 8 random hex digits.")
    var id: String?

    @Option(help: "The only source messages opened with the key may claim, such as /sales. Default: any.")
    var source: String?

    @Flag(help: "Replace the file if it exists; messages sealed under its keys then no longer open.")
    var force = false

    func run() throws {
        let keyID = id ?? "key-\(UUID().uuidString.prefix(8).lowercased())"
        let document: Data
        do {
            document = try KeyRing.generateKeyFile(keyID: keyID, source: source)
        } catch {
            throw EIPError("--id: \(error.reason)")
        }
        try write(document)
        emit("Wrote the key file '\(out)' with the active key '\(keyID)'.")
    }

    /// Writes `document` to a file that no one else can read at any moment: created with mode
    /// 0600, and only if it does not exist unless `--force` was given.
    private func write(_ document: Data) throws {
        if force, FileManager.default.fileExists(atPath: out) {
            do {
                try FileManager.default.removeItem(atPath: out)
            } catch {
                throw EIPError("Cannot replace '\(out)': \(error.localizedDescription)")
            }
        }
        let descriptor = open(out, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard descriptor >= 0 else {
            let code = errno
            if code == EEXIST {
                throw EIPError("'\(out)' exists already; pass --force to replace it, or choose another --out.")
            }
            throw EIPError("Cannot create '\(out)': \(String(cString: strerror(code))).")
        }
        let file = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        do {
            try file.write(contentsOf: document)
            try file.close()
        } catch {
            throw EIPError("Cannot write '\(out)': \(error.localizedDescription)")
        }
    }
}
