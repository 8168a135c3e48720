/// `&entrypoint=` for a JS or Python handler: a function name both languages accept as an
/// identifier (the runtimes look it up by name; runtime.js reads it with `typeof NAME`).
enum EntryPointName {
    /// Words neither runtime can look a function up by.
    static let keywords: Set<String> = [
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "case", "catch", "class", "const", "continue",
        "debugger", "def", "default", "del", "delete", "do", "elif", "else", "enum", "except", "export", "extends", "false",
        "finally", "for", "from", "function", "global", "if", "implements", "import", "in", "instanceof", "interface", "is",
        "lambda", "let", "new", "nonlocal", "not", "null", "or", "package", "pass", "private", "protected", "public", "raise",
        "return", "static", "super", "switch", "this", "throw", "true", "try", "typeof", "var", "void", "while", "with", "yield",
    ]

    static func isValid(_ name: String) -> Bool {
        guard let first = name.utf8.first, name.utf8.count <= 64, !keywords.contains(name) else { return false }
        let isLetter = { (c: UInt8) in (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 }
        return isLetter(first) && name.utf8.allSatisfy { isLetter($0) || ($0 >= 48 && $0 <= 57) }
    }
}
