import Foundation

/// What the doc tests read from a markdown page: its shell blocks, its links, its anchors.
enum DocPage {
    struct Block {
        /// 1-based line of the opening fence.
        let line: Int
        let lines: [String]
        /// The reason of a `<!-- doctest: skip (why) -->` right before the fence; nil: it runs.
        let skipReason: String?
    }

    static let skipMarker = "<!-- doctest: skip"

    /// The ```sh (or ```bash) blocks, in page order.
    static func shellBlocks(in text: String) -> [Block] {
        var blocks: [Block] = []
        var open: (line: Int, shell: Bool, skip: String?)?
        var body: [String] = []
        var previous = ""
        for (index, line) in text.components(separatedBy: "\n").enumerated() {
            if line.hasPrefix("```") {
                if let current = open {
                    if current.shell { blocks.append(Block(line: current.line, lines: body, skipReason: current.skip)) }
                    open = nil
                } else {
                    let info = line.dropFirst(3).trimmingCharacters(in: .whitespaces)
                    var skip: String?
                    if previous.hasPrefix(skipMarker) {
                        skip = previous.dropFirst(skipMarker.count).replacingOccurrences(of: "-->", with: "")
                            .trimmingCharacters(in: .whitespaces)
                    }
                    open = (index + 1, info == "sh" || info == "bash", skip)
                    body = []
                }
            } else if open != nil {
                body.append(line)
            }
            if !line.trimmingCharacters(in: .whitespaces).isEmpty { previous = line }
        }
        return blocks
    }

    /// Lines outside fenced blocks.
    static func prose(_ text: String) -> [String] {
        var inside = false
        return text.components(separatedBy: "\n").filter { line in
            if line.hasPrefix("```") { inside.toggle(); return false }
            return !inside
        }
    }

    /// The targets of `[text](target)` links outside code.
    static func links(in text: String) -> [String] {
        let pattern = try! NSRegularExpression(pattern: #"\]\(([^)\s]+)\)"#)
        return prose(text).flatMap { line -> [String] in
            // Inline code spans are not links.
            let visible = line.replacingOccurrences(of: #"`[^`]*`"#, with: "", options: .regularExpression)
            let range = NSRange(visible.startIndex..., in: visible)
            return pattern.matches(in: visible, range: range).compactMap { Range($0.range(at: 1), in: visible).map { String(visible[$0]) } }
        }
    }

    /// The anchors of the page's headings, as GitHub makes them: lower case, punctuation
    /// dropped, spaces to hyphens.
    static func anchors(in text: String) -> Set<String> {
        Set(prose(text).compactMap { line -> String? in
            guard line.hasPrefix("#"), let space = line.firstIndex(of: " ") else { return nil }
            let title = line[space...].trimmingCharacters(in: .whitespaces).lowercased()
            let kept = title.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) || $0 == " " || $0 == "-" || $0 == "_" }
            return String(String.UnicodeScalarView(kept)).replacingOccurrences(of: " ", with: "-")
        })
    }
}
