import FaaSStore
import FaaSWasm
import Foundation

/// How a JS or Python source runs when the deploy does not say (`DeployPlan`): which entry point
/// a handler module offers, by the conventions of the platforms people come from, or that it is a
/// program of its own (a command). A static look at the code with comments and strings blanked,
/// so it can miss a handler built at run time: `&mode=handler` and `&entrypoint=` say so
/// explicitly. Go: `package function` with `func Handle(` is a handler.
enum HandlerDetection {
    /// What a deploy found in a source.
    enum Finding: Equatable {
        /// A handler module: the function to call per request.
        case entry(String)
        /// A program: it runs as a command.
        case program
        /// Defines functions but can produce no output as a program and names no entry point
        /// of a known convention: the functions it defines.
        case noEntry(candidates: [String])
    }

    /// Python entry points in the order they are preferred: ours and SeBS's, Lambda's, OpenFaaS's,
    /// OpenWhisk's (runtime.py's `ENTRY_POINTS`).
    static let pythonEntryPoints = ["handler", "lambda_handler", "handle", "main"]

    /// What is looked for, for messages.
    static func lookedFor(_ language: Language) -> String {
        switch language {
        case .python: return "a top-level def handler(event) (or lambda_handler, handle, main) that the module never calls itself"
        case .js: return "a function assigned to module.exports, exports.handler, exports.main or exports.default, "
            + "or a top-level function main(params) that the file never calls"
        case .go: return "func Handle(w http.ResponseWriter, r *http.Request) in package function"
        case .c, .cpp, .rust: return "nothing (c, cpp and rust have no handlers)"
        }
    }

    /// Whether the source offers a handler at all (a Go handler, or any entry point of a known
    /// convention, called by the module or not).
    static func definesHandler(_ source: [UInt8], _ language: Language) -> Bool {
        let text = String(decoding: source, as: UTF8.self)
        switch language {
        case .python:
            let code = CodeScanner.code(text, .python)
            return pythonEntryPoints.contains { pythonDefines($0, code) }
        case .js:
            let code = CodeScanner.code(text, .javaScript)
            return javaScriptExport(code) != nil || javaScriptDeclares("main", code)
        case .go:
            let code = WasmToolchain.stripCommentsAndStrings(text)
            return code.range(of: #"(?m)^\s*package\s+function\s*$"#, options: .regularExpression) != nil
                && code.range(of: #"(?m)^func\s+Handle\s*\("#, options: .regularExpression) != nil
        case .c, .cpp, .rust:
            return false
        }
    }

    /// The entry point a handler deployed with `&mode=handler` (and no `&entrypoint`) gets: the
    /// first of a known convention the source defines, called by the module or not.
    static func anyEntry(_ source: [UInt8], _ language: Language) -> String? {
        let text = String(decoding: source, as: UTF8.self)
        switch language {
        case .python:
            let code = CodeScanner.code(text, .python)
            return pythonEntryPoints.first { pythonDefines($0, code) }
        case .js:
            let code = CodeScanner.code(text, .javaScript)
            return javaScriptExport(code) ?? (javaScriptDeclares("main", code) ? "main" : nil)
        default:
            return nil
        }
    }

    /// How a JS or Python source runs when the deploy does not say.
    static func find(_ source: [UInt8], _ language: Language) -> Finding {
        let text = String(decoding: source, as: UTF8.self)
        switch language {
        case .python:
            let code = CodeScanner.code(text, .python)
            let lines = code.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if let name = pythonEntryPoints.first(where: { pythonDefines($0, code) && !pythonCalls($0, lines) }) { return .entry(name) }
            // Complete definitions only: a source that does not parse runs, and says why.
            let functions = matches(#"(?m)^(?:async[ \t]+)?def[ \t]+([A-Za-z_][A-Za-z0-9_]*)[ \t]*\([^()]*\)[ \t]*(?:->[^:\n]*)?:"#, in: code)
            if !functions.isEmpty, !pythonCanPrint(code) { return .noEntry(candidates: functions) }
            return .program
        case .js:
            let code = CodeScanner.code(text, .javaScript)
            if let name = javaScriptExport(code) { return .entry(name) }
            if javaScriptDeclares("main", code), !javaScriptCalls("main", code) { return .entry("main") }
            let functions = matches(#"(?m)^(?:async\s+)?function\s*\*?\s*([A-Za-z_$][A-Za-z0-9_$]*)\s*\([^()]*\)\s*\{"#, in: code)
                + matches(#"(?m)^(?:const|let|var)\s+([A-Za-z_$][A-Za-z0-9_$]*)\s*=\s*(?:async\s*)?(?:function\b|\([^)]*\)\s*=>|[A-Za-z_$][A-Za-z0-9_$]*\s*=>)"#, in: code)
            if !functions.isEmpty, !javaScriptCanPrint(code) { return .noEntry(candidates: functions) }
            return .program
        default:
            return .program
        }
    }

    /// Whether `name` is a top-level name the source could hold a function in (a def, an
    /// assignment, an import, or any mention for JS): for an explicit `&entrypoint=`.
    static func mentions(_ name: String, _ source: [UInt8], _ language: Language) -> Bool {
        let text = String(decoding: source, as: UTF8.self)
        let code = CodeScanner.code(text, language == .python ? .python : .javaScript)
        return code.range(of: #"(?<![A-Za-z0-9_$])"# + NSRegularExpression.escapedPattern(for: name) + #"(?![A-Za-z0-9_$])"#,
                          options: .regularExpression) != nil
    }

    // MARK: Python

    /// A top-level `def NAME(` or `NAME = ...` (top level is column 0 in Python).
    private static func pythonDefines(_ name: String, _ code: String) -> Bool {
        code.range(of: #"(?m)^(?:async[ \t]+)?def[ \t]+"# + name + #"[ \t]*\(|^"# + name + #"[ \t]*=(?!=)"#, options: .regularExpression) != nil
    }

    /// Whether the module calls `name` outside its own definition (recursion is no call).
    private static func pythonCalls(_ name: String, _ lines: [String]) -> Bool {
        let call = #"(?<![A-Za-z0-9_.])"# + name + #"[ \t]*\("#
        let definition = #"^(?:async[ \t]+)?def[ \t]+"# + name + #"[ \t]*\("#
        var inOwnBody = false
        for line in lines {
            if line.range(of: definition, options: .regularExpression) != nil {
                inOwnBody = true
                continue
            }
            if inOwnBody {
                if line.trimmingCharacters(in: .whitespaces).isEmpty || line.first == " " || line.first == "\t" { continue }
                inOwnBody = false
            }
            if line.range(of: call, options: .regularExpression) != nil { return true }
        }
        return false
    }

    /// Whether the module, run as a program, could write anything: it names an output
    /// (print, sys.stdout, a write, an exit, a subprocess...) or runs code at top level.
    private static func pythonCanPrint(_ code: String) -> Bool {
        code.range(of: #"\b(?:print|pprint|stdout|stderr|write|writelines|exit|_exit|system|subprocess|popen|spawn\w*|exec\w*|eval|__main__)\b"#,
                   options: .regularExpression) != nil
            || code.range(of: #"(?m)^(?!def\b|class\b|async\b|import\b|from\b|return\b)[A-Za-z_][A-Za-z0-9_.]*[ \t]*\("#,
                          options: .regularExpression) != nil
            || code.range(of: #"(?m)^(?:if|for|while|with|try)\b"#, options: .regularExpression) != nil
    }

    // MARK: JavaScript

    /// The entry point a JS module exports: `handler` for module.exports (a function),
    /// exports.handler and exports.default; `main` for exports.main. Anywhere in the code
    /// (`let n = 0; module.exports = ...` is one line), but not `exports.handler ==`.
    private static func javaScriptExport(_ code: String) -> String? {
        let start = #"(?<![A-Za-z0-9_$.])"#
        let assigned = #"\s*=(?![=>])"#
        let handler = start + #"(?:module\s*\.\s*exports(?:\s*\.\s*(?:handler|default))?|exports\s*\.\s*(?:handler|default))"# + assigned
        if code.range(of: handler, options: .regularExpression) != nil { return "handler" }
        let main = start + #"(?:module\s*\.\s*)?exports\s*\.\s*main"# + assigned
        if code.range(of: main, options: .regularExpression) != nil { return "main" }
        return nil
    }

    /// A top-level `function NAME(` (at column 0).
    private static func javaScriptDeclares(_ name: String, _ code: String) -> Bool {
        code.range(of: #"(?m)^(?:async\s+)?function\s+"# + name + #"\s*\("#, options: .regularExpression) != nil
    }

    /// Whether `NAME(` appears other than in its declaration.
    private static func javaScriptCalls(_ name: String, _ code: String) -> Bool {
        let calls = matches(#"(?<![A-Za-z0-9_$.])("# + name + #")\s*\("#, in: code).count
        let declarations = matches(#"(?<![A-Za-z0-9_$.])function\s+("# + name + #")\s*\("#, in: code).count
        return calls > declarations
    }

    /// Whether the file, run as a program, could write anything: it names the console or the
    /// process, requires a module, or calls something at top level.
    private static func javaScriptCanPrint(_ code: String) -> Bool {
        code.range(of: #"\b(?:console|process|require|import|stdout|write|eval|Function|setTimeout|setImmediate|queueMicrotask)\b"#,
                   options: .regularExpression) != nil
            || code.range(of: #"(?m)^(?!function\b|async\b|return\b|const\b|let\b|var\b|class\b)[A-Za-z_$][A-Za-z0-9_$.]*\s*\("#,
                          options: .regularExpression) != nil
            || code.range(of: #"(?m)^\s*(?:\(|!|;\s*\()"#, options: .regularExpression) != nil
    }

    private static func matches(_ pattern: String, in text: String) -> [String] {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return [] }
        let range = NSRange(text.startIndex..., in: text)
        return regex.matches(in: text, range: range).compactMap { match in
            Range(match.range(at: 1), in: text).map { String(text[$0]) }
        }
    }

    /// A Go source that is a program of its own (`package main`), run per call as a command.
    static func isGoCommand(_ source: [UInt8]) -> Bool {
        let code = WasmToolchain.stripCommentsAndStrings(String(decoding: source, as: UTF8.self))
        return code.range(of: #"(?m)^\s*package\s+main\s*$"#, options: .regularExpression) != nil
    }
}
