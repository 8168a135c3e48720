import FaaSStore
import FaaSWasm
import Foundation

/// Whether a JS or Python source defines a handler, by the same rule its runtime loads it with
/// (`Sources/FaaSWorker/Runtime/`): Python, a top-level `handler` (a `def`, or an assignment);
/// JS, a function exported as `module.exports`, `exports.handler` or `exports.default`. A static
/// look, so it can miss a handler built at run time: `&mode=handler` says so explicitly.
enum HandlerDetection {
    /// What is looked for, for messages.
    static func lookedFor(_ language: Language) -> String {
        switch language {
        case .python: return "a top-level def handler(payload) (or handler = ...)"
        case .js: return "an assignment to module.exports, module.exports.handler, exports.handler or exports.default"
        case .go: return "func Handle(w http.ResponseWriter, r *http.Request) in package function"
        case .c, .cpp, .rust: return "nothing (c, cpp and rust have no handlers)"
        }
    }

    static func definesHandler(_ source: [UInt8], _ language: Language) -> Bool {
        let text = String(decoding: source, as: UTF8.self)
        switch language {
        case .python:
            // Top level in Python is column 0: the line anchor is the rule, not a shortcut.
            return text.range(of: #"(?m)^(?:async[ \t]+)?def[ \t]+handler[ \t]*\(|^handler[ \t]*=(?!=)"#, options: .regularExpression) != nil
        case .js:
            // Anywhere in the code (`let n = 0; module.exports = ...` is one line), but not in
            // comments or strings, and not `exports.handler ==`.
            let pattern = #"(?<![A-Za-z0-9_$.])(?:module\s*\.\s*exports(?:\s*\.\s*(?:handler|default))?|exports\s*\.\s*(?:handler|default))\s*=(?![=>])"#
            return javaScriptCode(text).range(of: pattern, options: .regularExpression) != nil
        case .go:
            let code = WasmToolchain.stripCommentsAndStrings(text)
            return code.range(of: #"(?m)^\s*package\s+function\s*$"#, options: .regularExpression) != nil
                && code.range(of: #"(?m)^func\s+Handle\s*\("#, options: .regularExpression) != nil
        case .c, .cpp, .rust:
            return false
        }
    }

    /// A Go source that is a program of its own (`package main`), run per call as a command.
    static func isGoCommand(_ source: [UInt8]) -> Bool {
        let code = WasmToolchain.stripCommentsAndStrings(String(decoding: source, as: UTF8.self))
        return code.range(of: #"(?m)^\s*package\s+main\s*$"#, options: .regularExpression) != nil
    }

    /// JS source with comments and string and template literals blanked (newlines kept).
    static func javaScriptCode(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var i = 0
        func at(_ index: Int) -> UInt8 { index < bytes.count ? bytes[index] : 0 }
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "/") && at(i + 1) == UInt8(ascii: "/") {
                while i < bytes.count && bytes[i] != UInt8(ascii: "\n") { i += 1 }
            } else if c == UInt8(ascii: "/") && at(i + 1) == UInt8(ascii: "*") {
                i += 2
                while i < bytes.count && !(bytes[i] == UInt8(ascii: "*") && at(i + 1) == UInt8(ascii: "/")) {
                    if bytes[i] == UInt8(ascii: "\n") { out.append(bytes[i]) }
                    i += 1
                }
                i += 2
                out.append(UInt8(ascii: " "))
            } else if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") || c == UInt8(ascii: "`") {
                // Plain strings end at the line's end; template literals may span lines.
                i += 1
                while i < bytes.count && bytes[i] != c && (c == UInt8(ascii: "`") || bytes[i] != UInt8(ascii: "\n")) {
                    if bytes[i] == UInt8(ascii: "\\") { i += 1 } else if bytes[i] == UInt8(ascii: "\n") { out.append(bytes[i]) }
                    i += 1
                }
                i += 1
                out.append(UInt8(ascii: " "))
            } else {
                out.append(c)
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
