import Foundation

/// One top-level piece of a sample — a declaration or a statement with the comments and attributes
/// before it — and where the generated source has to put it.
struct TopLevelItem: Equatable {
    /// Where an item goes in the generated source.
    enum Placement: Equatable {
        /// An `import`: to the head of the generated file.
        case fileHeader
        /// An `extension`, which Swift allows only at file scope.
        case fileScope
        /// A type or function: a member of the page's namespace, visible to every sample of the page.
        case member
        /// A statement, or an `XCTestCase` class (which test discovery would find as a member and run):
        /// into the page's function, after the statements of the page's earlier samples.
        case statement
    }

    /// Where the item goes.
    var placement: Placement
    /// The item's lines, `@main` left out: a test target has its own entry point.
    var lines: [String]
    /// The 0-based index of the item's first line in the sample.
    var firstLine: Int
}

extension TopLevelItem {
    /// The top-level items of `code`, in order.
    ///
    /// A new item starts on an unindented line outside every bracket, unless that line continues the
    /// previous one (it starts with `.`, `)`, `]` or `}`); comments and attributes belong to the item after them.
    static func items(of code: [String]) -> [TopLevelItem] {
        var items: [TopLevelItem] = []
        var current: TopLevelItem?
        var currentIsPrefixOnly = false
        var depth = 0
        for (index, line) in code.enumerated() {
            let text = line.trimmingCharacters(in: .whitespaces)
            let startsItem =
                depth == 0 && !line.hasPrefix(" ") && !text.isEmpty && !text.starts(with: [".", ")", "]", "}"])
            if startsItem {
                let declaration = removingAttributes(from: text)
                let isPrefix = text.hasPrefix("//") || declaration.isEmpty
                if isPrefix, !currentIsPrefixOnly {
                    current.map { items.append($0) }
                    current = TopLevelItem(placement: .statement, lines: [], firstLine: index)
                    currentIsPrefixOnly = true
                } else if !isPrefix {
                    if currentIsPrefixOnly, var prefix = current {
                        prefix.placement = placement(of: declaration)
                        current = prefix
                    } else {
                        current.map { items.append($0) }
                        current = TopLevelItem(placement: placement(of: declaration), lines: [], firstLine: index)
                    }
                    currentIsPrefixOnly = false
                }
            }
            if current == nil {
                current = TopLevelItem(placement: .statement, lines: [], firstLine: index)
            }
            current?.lines.append(text == "@main" ? "" : line)
            depth += bracketBalance(of: line)
        }
        current.map { items.append($0) }
        return items
    }

    /// Where an item whose first non-attribute line is `text` goes.
    private static func placement(of text: String) -> Placement {
        let modifiers: Set<Substring> = [
            "public", "package", "internal", "fileprivate", "private", "final", "nonisolated",
        ]
        let words = text.split(whereSeparator: { $0 == " " || $0 == "(" || $0 == "<" || $0 == ":" })
        guard let keyword = words.first(where: { !modifiers.contains($0) }) else { return .statement }
        switch keyword {
        case _ where text.contains(": XCTestCase"): return .statement
        case "import": return .fileHeader
        case "extension": return .fileScope
        case "struct", "enum", "class", "actor", "protocol", "func", "typealias": return .member
        default: return .statement
        }
    }

    /// `text` without the attributes it starts with (`@main`, `@Test(arguments: …)`); empty when the
    /// line holds nothing else, or an attribute's arguments go on past it.
    private static func removingAttributes(from text: String) -> String {
        var rest = Substring(text)
        while rest.first == "@" {
            rest = rest.dropFirst().drop { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }
            if rest.first == "(" {
                var depth = 0
                guard
                    let end = rest.firstIndex(where: { character in
                        depth += character == "(" ? 1 : character == ")" ? -1 : 0
                        return depth == 0
                    })
                else { return "" }
                rest = rest[rest.index(after: end)...]
            }
            rest = rest.drop { $0 == " " }
        }
        return String(rest)
    }

    /// How many brackets `line` opens minus how many it closes, outside string literals and `//` comments.
    private static func bracketBalance(of line: String) -> Int {
        var balance = 0
        var inString = false
        var previous: Character?
        for character in line {
            if inString {
                if character == "\"" && previous != "\\" { inString = false }
            } else {
                switch character {
                case "\"": inString = true
                case "/" where previous == "/": return balance
                case "(", "[", "{": balance += 1
                case ")", "]", "}": balance -= 1
                default: break
                }
            }
            previous = character
        }
        return balance
    }
}
