/// A source with its comments and string literals blanked by a language's `LexicalRules`, so
/// that names are only found in code (a `def handler` in a docstring defines nothing). Newlines
/// in comments and multi-line literals are kept, so a line stays a line and column 0 stays
/// top level; a block comment leaves a space, a literal the rules' stand-in.
struct CodeScanner {
    private let rules: LexicalRules
    private let bytes: [UInt8]
    private var index = 0
    private var code: [UInt8] = []

    /// The code of `text`.
    static func code(_ text: String, _ rules: LexicalRules) -> String {
        var scanner = CodeScanner(rules: rules, bytes: Array(text.utf8))
        scanner.code.reserveCapacity(scanner.bytes.count)
        scanner.scan()
        return String(decoding: scanner.code, as: UTF8.self)
    }

    private init(rules: LexicalRules, bytes: [UInt8]) {
        self.rules = rules
        self.bytes = bytes
    }

    private mutating func scan() {
        while index < bytes.count {
            if starts(rules.lineComment) {
                while index < bytes.count && bytes[index] != newline { index += 1 }
            } else if let comment = rules.blockComment, starts(comment.open) {
                skip(comment)
            } else if let literal = rules.literals.first(where: { starts($0.delimiter) }) {
                skip(literal)
            } else {
                code.append(bytes[index])
                index += 1
            }
        }
    }

    private mutating func skip(_ comment: (open: [UInt8], close: [UInt8])) {
        index += comment.open.count
        while index < bytes.count && !starts(comment.close) {
            if bytes[index] == newline { code.append(newline) }
            index += 1
        }
        index += comment.close.count
        code.append(UInt8(ascii: " "))
    }

    private mutating func skip(_ literal: LexicalRules.Literal) {
        index += literal.delimiter.count
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "\\") {
                index += 2
                continue
            }
            if starts(literal.delimiter) {
                index += literal.delimiter.count
                break
            }
            // One left open on its line ends there, and the line break stays code's.
            if bytes[index] == newline {
                if !literal.spansLines { break }
                code.append(newline)
            }
            index += 1
        }
        code.append(contentsOf: rules.literalStandIn)
    }

    /// Whether `token` (not empty) begins at the current index.
    private func starts(_ token: [UInt8]) -> Bool {
        !token.isEmpty && index + token.count <= bytes.count && bytes[index..<index + token.count].elementsEqual(token)
    }

    private var newline: UInt8 { UInt8(ascii: "\n") }
}
