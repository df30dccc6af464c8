import Foundation

/// One fenced ` ```swift ` block of a markdown page.
struct Sample: Equatable {
    /// How a sample takes part in the build.
    enum Treatment: Equatable {
        /// Compiled with the page's earlier samples in scope, as a reader reads the page.
        case compiled
        /// Compiled on its own: it sees the page's types, but no value or declaration of another sample.
        case standalone
        /// Not compiled, for the reason its marker gives.
        case fragment(reason: String)
    }

    /// The 1-based line of the opening fence in the page.
    var fenceLine: Int
    /// The code, with the fence's indentation removed; `lines[0]` is on line `fenceLine + 1`.
    var lines: [String]
    /// How the build treats the sample.
    var treatment: Treatment

    /// Whether the sample is left out of the build.
    var isFragment: Bool {
        if case .fragment = treatment { true } else { false }
    }
}

extension Sample {
    /// The marker, on the last non-blank line before a fence, that keeps a sample out of the build:
    /// `<!-- fragment: why it is not complete Swift -->`.
    static let fragmentMarker = "fragment:"
    /// The marker that compiles a sample on its own, apart from the page's other samples:
    /// `<!-- standalone: why it stands apart -->`.
    static let standaloneMarker = "standalone:"

    /// Every ` ```swift ` block of `markdown`, in page order; blocks of any other language are not samples.
    static func samples(inMarkdown markdown: String) -> [Sample] {
        let lines = markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var samples: [Sample] = []
        var lastTextLine: String?
        var index = 0
        while index < lines.count {
            guard let fence = Fence(opening: lines[index]) else {
                let text = lines[index].trimmingCharacters(in: .whitespaces)
                if !text.isEmpty { lastTextLine = text }
                index += 1
                continue
            }
            let fenceIndex = index
            var code: [String] = []
            index += 1
            while index < lines.count, !fence.isClosed(by: lines[index]) {
                code.append(fence.removingIndentation(from: lines[index]))
                index += 1
            }
            index += 1
            if fence.language == "swift" {
                samples.append(
                    Sample(fenceLine: fenceIndex + 1, lines: code, treatment: treatment(markedBy: lastTextLine))
                )
            }
            lastTextLine = nil
        }
        return samples
    }

    /// The treatment that the HTML comment `line` asks for, or `.compiled` when it is not a marker.
    private static func treatment(markedBy line: String?) -> Treatment {
        guard let line, line.hasPrefix("<!--"), line.hasSuffix("-->") else { return .compiled }
        let comment = line.dropFirst(4).dropLast(3).trimmingCharacters(in: .whitespaces)
        if comment.hasPrefix(fragmentMarker) {
            return .fragment(reason: comment.dropFirst(fragmentMarker.count).trimmingCharacters(in: .whitespaces))
        }
        if comment.hasPrefix(standaloneMarker) {
            return .standalone
        }
        return .compiled
    }
}

/// A CommonMark code fence: ` ``` ` or `~~~`, possibly indented, with an info string.
private struct Fence {
    var indentation: Int
    var marker: Character
    var length: Int
    var language: String

    /// The fence that `line` opens, or `nil` when it opens none.
    init?(opening line: String) {
        let indentation = line.prefix { $0 == " " }.count
        let rest = line.dropFirst(indentation)
        guard indentation <= 3, let marker = rest.first, marker == "`" || marker == "~" else { return nil }
        let length = rest.prefix { $0 == marker }.count
        guard length >= 3 else { return nil }
        let info = rest.dropFirst(length).trimmingCharacters(in: .whitespaces)
        self.indentation = indentation
        self.marker = marker
        self.length = length
        self.language = String(info.prefix { !$0.isWhitespace && $0 != "," })
    }

    /// Whether `line` closes this fence.
    func isClosed(by line: String) -> Bool {
        let text = line.trimmingCharacters(in: .whitespaces)
        return text.count >= length && text.allSatisfy { $0 == marker }
    }

    /// `line` without the fence's indentation, as CommonMark reads the block's content.
    func removingIndentation(from line: String) -> String {
        let spaces = min(indentation, line.prefix { $0 == " " }.count)
        return String(line.dropFirst(spaces))
    }
}
