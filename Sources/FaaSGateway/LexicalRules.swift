/// How a language writes comments and string literals, as far as `CodeScanner` needs to know to
/// tell code from text. Data only: the scanner walks every language the same way.
struct LexicalRules: Sendable {
    /// A kind of string literal: from its delimiter to the same delimiter again, a backslash
    /// escaping the byte after it.
    struct Literal: Sendable {
        let delimiter: [UInt8]
        /// A literal that may not span lines also ends at the line's end.
        let spansLines: Bool
        /// Code inside the literal (`${...}` in a JavaScript template).
        let interpolation: Interpolation?

        init(_ delimiter: String, spansLines: Bool, interpolation: Interpolation? = nil) {
            self.delimiter = Array(delimiter.utf8)
            self.spansLines = spansLines
            self.interpolation = interpolation
        }
    }

    /// Code inside a literal: from `open` to the `close` that matches it, the code's own
    /// `nest`...`close` pairs counted (an object literal in `${...}`).
    struct Interpolation: Sendable {
        let open: [UInt8]
        let nest: UInt8
        let close: UInt8
    }

    /// Opens a comment that runs to the line's end.
    let lineComment: [UInt8]
    /// Opens and closes a comment that may span lines.
    let blockComment: (open: [UInt8], close: [UInt8])?
    /// The literals, a longer delimiter before its prefix (`"""` before `"`).
    let literals: [Literal]
    /// What a blanked literal (or each piece of text of one with code inside) leaves in the
    /// code: Python keeps an empty string, so an expression stays one.
    let literalStandIn: [UInt8]

    /// An f-string's `{...}` is blanked with its text.
    static let python = LexicalRules(
        lineComment: Array("#".utf8), blockComment: nil,
        literals: [Literal("\"\"\"", spansLines: true), Literal("'''", spansLines: true),
                   Literal("\"", spansLines: false), Literal("'", spansLines: false)],
        literalStandIn: Array("\"\"".utf8))

    /// Regular expression literals are not told from a division.
    static let javaScript = LexicalRules(
        lineComment: Array("//".utf8), blockComment: (Array("/*".utf8), Array("*/".utf8)),
        literals: [Literal("`", spansLines: true,
                           interpolation: Interpolation(open: Array("${".utf8), nest: UInt8(ascii: "{"), close: UInt8(ascii: "}"))),
                   Literal("\"", spansLines: false), Literal("'", spansLines: false)],
        literalStandIn: Array(" ".utf8))
}
