/// A source with its comments and string literals blanked by a language's `LexicalRules`, so
/// that names are only found in code (a `def handler` in a docstring defines nothing). Newlines
/// in comments and multi-line literals are kept, so a line stays a line and column 0 stays
/// top level; a block comment leaves a space, a literal the rules' stand-in. Code inside a
/// literal (`${...}`) is code; the nesting is a stack of its own, not the call stack, so no
/// source is too deep to walk.
struct CodeScanner {
    /// What the scanner is inside, innermost last; nothing is top-level code.
    private enum Frame {
        case literal(LexicalRules.Literal)
        /// Code inside a literal, with the `nest` pairs it has opened and not closed yet.
        case interpolation(LexicalRules.Interpolation, open: Int)
    }

    private let rules: LexicalRules
    private let bytes: [UInt8]
    private var index = 0
    private var frames: [Frame] = []
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
            if case .literal(let literal)? = frames.last {
                stepInLiteral(literal)
            } else {
                stepInCode()
            }
        }
        // Literals left open at the end leave their stand-in all the same.
        for case .literal in frames { code.append(contentsOf: rules.literalStandIn) }
    }

    private mutating func stepInCode() {
        if starts(rules.lineComment) {
            while index < bytes.count && bytes[index] != newline { index += 1 }
        } else if let comment = rules.blockComment, starts(comment.open) {
            skip(comment)
        } else if let literal = rules.literals.first(where: { starts($0.delimiter) }) {
            index += literal.delimiter.count
            frames.append(.literal(literal))
        } else {
            let byte = bytes[index]
            index += 1
            if case .interpolation(let interpolation, let open)? = frames.last {
                if byte == interpolation.close && open == 0 {
                    frames.removeLast()
                    return
                }
                let nested = byte == interpolation.nest ? open + 1 : byte == interpolation.close ? open - 1 : open
                frames[frames.count - 1] = .interpolation(interpolation, open: nested)
            }
            code.append(byte)
        }
    }

    private mutating func stepInLiteral(_ literal: LexicalRules.Literal) {
        if bytes[index] == UInt8(ascii: "\\") {
            index += 2
        } else if let interpolation = literal.interpolation, starts(interpolation.open) {
            index += interpolation.open.count
            code.append(contentsOf: rules.literalStandIn)
            frames.append(.interpolation(interpolation, open: 0))
        } else if starts(literal.delimiter) {
            index += literal.delimiter.count
            frames.removeLast()
            code.append(contentsOf: rules.literalStandIn)
        } else if bytes[index] == newline && !literal.spansLines {
            // One left open on its line ends there, and the line break stays code's.
            frames.removeLast()
            code.append(contentsOf: rules.literalStandIn)
        } else {
            if bytes[index] == newline { code.append(newline) }
            index += 1
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

    /// Whether `token` (not empty) begins at the current index.
    private func starts(_ token: [UInt8]) -> Bool {
        !token.isEmpty && index + token.count <= bytes.count && bytes[index..<index + token.count].elementsEqual(token)
    }

    private var newline: UInt8 { UInt8(ascii: "\n") }
}
