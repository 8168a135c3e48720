import FaaSStore

/// Which file of a bundle a function starts from, and the name inside it: `&entrypoint=` in
/// Lambda's `path/file.NAME` form, or a conventional file name at the bundle's root.
struct BundleEntry: Equatable {
    /// Relative to the bundle's root (`app/main.py`).
    var file: String
    /// The handler (JS, Python) or export (C, C++, Rust) named after the file; nil: the default.
    var name: String?

    /// Conventional entry files, in order of preference.
    static func conventionalFiles(_ language: Language) -> [String] {
        switch language {
        case .python: return ["main.py", "handler.py", "index.py", "lambda_function.py"]
        case .js: return ["index.js", "handler.js", "main.js"]
        case .c: return ["main.c"]
        case .cpp: return ["main.cpp", "main.cc", "main.cxx", "main.c"]
        case .rust: return ["main.rs", "lib.rs", "src/main.rs", "src/lib.rs"]
        case .go: return ["main.go", "handler.go"]
        }
    }

    static func resolve(language: Language, files: [String], entrypoint: String?) throws(RequestRefusal) -> BundleEntry {
        let present = Set(files)
        if let entrypoint, entrypoint.contains("/") || entrypoint.contains(".") {
            // `path/file.NAME`: the file without its extension, then the name.
            guard let dot = entrypoint.lastIndex(of: "."), entrypoint[entrypoint.index(after: dot)...].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }),
                  dot != entrypoint.startIndex, entrypoint.index(after: dot) != entrypoint.endIndex else {
                throw RequestRefusal(.badRequest, "invalid entrypoint \(entrypoint.debugDescription): path/file.NAME, as Lambda's handler setting")
            }
            let stem = String(entrypoint[..<dot]), name = String(entrypoint[entrypoint.index(after: dot)...])
            guard let file = language.sourceExtensions.map({ "\(stem).\($0)" }).first(where: present.contains) else {
                throw RequestRefusal(.badRequest, "entrypoint \(entrypoint.debugDescription): the bundle has no \(stem).\(language.sourceExtensions[0])")
            }
            return BundleEntry(file: file, name: name)
        }
        let name = entrypoint?.isEmpty == false ? entrypoint : nil
        if let file = conventionalFiles(language).first(where: present.contains) { return BundleEntry(file: file, name: name) }
        let candidates = files.filter { path in !path.contains("/") && language.sourceExtensions.contains { path.hasSuffix(".\($0)") } }
        if candidates.count == 1 { return BundleEntry(file: candidates[0], name: name) }
        // C, C++ and Go build every source file: any one of them stands for the entry.
        if [.c, .cpp, .go].contains(language), let first = (candidates.isEmpty ? files.filter { path in
            language.sourceExtensions.contains { path.hasSuffix(".\($0)") } && !path.hasPrefix("vendor/") } : candidates).sorted().first {
            return BundleEntry(file: first, name: name)
        }
        throw RequestRefusal(.badRequest, "the bundle has no entry file for \(language.rawValue): name one with &entrypoint=path/file.NAME "
                             + "(or \"entrypoint\" in function.json), or use \(conventionalFiles(language).joined(separator: ", "))")
    }
}
