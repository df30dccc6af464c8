import NIOHTTP1

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Reads `Link` headers (RFC 8288): `<https://erp/orders?page=2>; rel="next", <...>; rel="prev"`.
enum LinkHeader {
    /// The target of the first link whose relation types include `relation`, resolved against
    /// `base`, in any `Link` header of `headers`.
    static func target(of relation: String, in headers: HTTPHeaders, base: String) -> String? {
        for value in headers[canonicalForm: "Link"] {
            if let reference = target(of: relation, in: String(value)) {
                return URL(string: reference, relativeTo: URL(string: base))?.absoluteString ?? reference
            }
        }
        return nil
    }

    /// The target of the first link of one `Link` value whose `rel` includes `relation`.
    static func target(of relation: String, in value: String) -> String? {
        var rest = Substring(value)
        while let open = rest.firstIndex(of: "<") {
            guard let close = rest[open...].firstIndex(of: ">") else { return nil }
            let reference = rest[rest.index(after: open)..<close]
            let parametersEnd = rest[close...].firstIndex(of: "<") ?? rest.endIndex
            let parameters = rest[rest.index(after: close)..<parametersEnd]
            for parameter in parameters.split(separator: ";") {
                let pair = parameter.split(separator: "=", maxSplits: 1)
                guard pair.count == 2, trimmed(pair[0]).lowercased() == "rel" else {
                    continue
                }
                let types = trimmed(pair[1]).split(separator: " ")
                if types.contains(where: { $0.lowercased() == relation }) {
                    return String(reference)
                }
            }
            rest = rest[parametersEnd...]
        }
        return nil
    }

    /// `text` without the spaces, commas and quotes around it.
    private static func trimmed(_ text: Substring) -> Substring {
        let padding: Set<Character> = [" ", "\t", ",", "\""]
        guard let first = text.firstIndex(where: { !padding.contains($0) }),
            let last = text.lastIndex(where: { !padding.contains($0) })
        else { return "" }
        return text[first...last]
    }
}
