import Foundation

/// The Swift source that compiles the samples of one markdown page.
///
/// The page becomes a struct, named by ``typeName(forPage:)``. Its samples' types and functions are its
/// members; their statements run in one `async throws` method, each sample in a `do` block nested in the
/// previous sample's, so that a sample sees what the samples before it declared, and may declare a name again.
/// A `standalone` sample gets a nested struct of its own. Values a page takes as given (`transport`,
/// `order`, …) are the struct's properties, declared by hand in an extension. `#sourceLocation` points
/// every diagnostic at the markdown file and line.
struct PageSource {
    /// The page's path relative to the package, as the generated source names it.
    var relativePath: String
    /// The page's absolute path, which diagnostics name.
    var absolutePath: String
    /// The page's samples.
    var samples: [Sample]
    /// The modules every page imports, as a reader of the documentation would.
    var imports: [String]

    /// The name of the struct generated for the page at `relativePath`: the file's name, after its
    /// DocC catalog's or its folder's name where the file's own name alone is not telling, then `Samples`.
    static func typeName(forPage relativePath: String) -> String {
        let components = relativePath.split(separator: "/").map(String.init)
        let stem = String(components.last!.prefix { $0 != "." })
        var name = stem
        if components.count >= 2 {
            let folder = components[components.count - 2]
            if folder.hasSuffix(".docc"), folder.dropLast(5) != stem {
                name = folder.dropLast(5) + stem
            } else if stem == "README" {
                name = folder + stem
            }
        }
        let identifier = name.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map {
            $0.prefix(1).uppercased() + $0.dropFirst()
        }
        return identifier.joined() + "Samples"
    }

    /// The generated source.
    var text: String {
        let typeName = Self.typeName(forPage: relativePath)
        var header = Set(imports.map { "import \($0)" })
        var fileScope: [String] = []
        var members: [String] = []
        var statements: [String] = []
        var standaloneMembers: [String] = []
        var openedBlocks = 0
        for sample in samples {
            switch sample.treatment {
            case .fragment:
                continue
            case .compiled:
                sort(sample, header: &header, fileScope: &fileScope, members: &members, statements: &statements)
                statements.append("do {")
                openedBlocks += 1
            case .standalone:
                var ownMembers: [String] = []
                var ownStatements: [String] = []
                sort(sample, header: &header, fileScope: &fileScope, members: &ownMembers, statements: &ownStatements)
                standaloneMembers += ["/// The sample on line \(sample.fenceLine), which stands apart from the others."]
                standaloneMembers += ["struct Line\(sample.fenceLine) {"] + ownMembers
                standaloneMembers += ["func statements() async throws {"] + ownStatements + ["}", "}"]
            }
        }
        let testsNote = samples.contains { !$0.isFragment && $0.lines.contains { $0.contains("@Test") } }
        return
            (["// Generated from \(relativePath) by DocumentationSampleGenerator: edit the page, not this file."]
            + header.sorted() + [""] + fileScope
            + ["", "/// The samples of \(relativePath), compiled as a reader reads them."]
            + (testsNote ? ["@Suite(.disabled(\"Documentation samples are compiled, not run.\"))"] : [])
            + ["struct \(typeName) {"] + members + standaloneMembers
            + ["/// The page's statements, in reading order.", "func statements() async throws {"]
            + statements + Array(repeating: "}", count: openedBlocks) + ["}", "}", ""])
            .joined(separator: "\n")
    }

    /// Adds the top-level items of `sample` to the part of the source where each goes.
    private func sort(
        _ sample: Sample,
        header: inout Set<String>,
        fileScope: inout [String],
        members: inout [String],
        statements: inout [String]
    ) {
        for item in TopLevelItem.items(of: sample.lines) {
            switch item.placement {
            case .fileHeader: header.formUnion(item.lines.filter { $0.contains("import ") })
            case .fileScope: fileScope += located(item, of: sample)
            case .member: members += located(item, of: sample)
            case .statement: statements += located(item, of: sample)
            }
        }
    }

    /// `item`'s lines between directives that make diagnostics name the page and line they come from.
    private func located(_ item: TopLevelItem, of sample: Sample) -> [String] {
        let line = sample.fenceLine + 1 + item.firstLine
        let path = absolutePath.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(
            of: "\"",
            with: "\\\""
        )
        return ["#sourceLocation(file: \"\(path)\", line: \(line))"] + item.lines + ["#sourceLocation()"]
    }
}
