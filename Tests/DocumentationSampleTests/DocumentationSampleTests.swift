import Foundation
import Testing

/// A page whose samples the build compiled, as the generated `sampleCatalog` lists it.
struct SampledPage: Equatable {
    /// The page's path relative to the package.
    var path: String
    /// The fence lines of the samples that were compiled.
    var compiledLines: [Int]
    /// The fence lines of the samples marked as fragments, with the reason each marker gives.
    var fragments: [Int: String]
}

/// The documentation samples are compiled by the build itself: the `DocumentationSamples` plugin
/// generates this target's sources from the markdown pages. These tests check that none escaped it.
@Suite("Documentation samples")
struct DocumentationSampleTests {
    /// The package directory, two folders above this file's.
    static let packageDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().standardizedFileURL

    /// The lines of every ` ```swift ` fence, by page, read from the package's markdown files now
    /// (hidden folders left out), independently of the generator.
    static func swiftFencesOnDisk() throws -> [String: [Int]] {
        let files = FileManager.default.enumerator(
            at: packageDirectory,
            includingPropertiesForKeys: nil,
            options: .skipsHiddenFiles
        )
        var fences: [String: [Int]] = [:]
        while let file = files?.nextObject() as? URL {
            guard file.pathExtension == "md" else { continue }
            var inFence = false
            var lines: [Int] = []
            for (index, line) in try String(contentsOf: file, encoding: .utf8).components(separatedBy: "\n")
                .enumerated()
            {
                let text = line.trimmingCharacters(in: .whitespaces)
                guard text.hasPrefix("```") || text.hasPrefix("~~~") else { continue }
                if !inFence, text.dropFirst(3).split(separator: " ").first == "swift" { lines.append(index + 1) }
                inFence.toggle()
            }
            if !lines.isEmpty {
                fences[String(file.standardizedFileURL.path.dropFirst(packageDirectory.path.count + 1))] = lines
            }
        }
        return fences
    }

    @Test("Every swift sample of every page was compiled by this build, or is marked as a fragment")
    func everySampleWasCompiled() throws {
        let compiledOrMarked = Dictionary(
            uniqueKeysWithValues: sampleCatalog.map { ($0.path, ($0.compiledLines + $0.fragments.keys).sorted()) }
        )
        #expect(compiledOrMarked == (try Self.swiftFencesOnDisk()))
    }

    @Test("Fragments are few, and each marker says why its sample is not compiled")
    func fragmentsAreFewAndSayWhy() {
        let compiled = sampleCatalog.map(\.compiledLines.count).reduce(0, +)
        let fragments = sampleCatalog.flatMap { page in page.fragments.map { (page.path, $0.key, $0.value) } }
        #expect(
            compiled > 10 * fragments.count,
            "\(fragments.count) of \(compiled + fragments.count) samples are fragments."
        )
        for (path, line, reason) in fragments {
            #expect(!reason.isEmpty, "\(path):\(line) is marked as a fragment without a reason.")
        }
    }
}
