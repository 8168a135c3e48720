import FaaSStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Deploy-time compiler command lines for C and Rust to wasm32-wasi. Pure logic: the caller
/// spawns the command (asynchronously, with its own limits) and reads the diagnostics.
public enum WasmToolchain {
    public enum ToolchainError: Error, CustomStringConvertible, Equatable {
        case unsupportedLanguage(Language)
        case missing(String)
        case io(String)

        public var description: String {
            switch self {
            case .unsupportedLanguage(let l): return "no wasm toolchain for language '\(l.rawValue)' (c, cpp and rust only)"
            case .missing(let m): return "wasm toolchain incomplete: \(m) (run scripts/setup-wasm.sh)"
            case .io(let m): return "cannot prepare the wasm sysroot: \(m)"
            }
        }
    }

    /// Debian's wasi-libc (headers and libraries) and compiler-rt builtins for wasm32.
    static let wasiInclude = "/usr/include/wasm32-wasi"
    static let wasiLib = "/usr/lib/wasm32-wasi"
    static let builtinsGlob = "/usr/lib/llvm-*/lib/clang/*/lib/wasi/libclang_rt.builtins-wasm32.a"
    /// Name of the builtins archive inside a sysroot made by `ensureSysroot`.
    static let builtinsInSysroot = "lib/libclang_rt.builtins-wasm32.a"

    /// The compilers a deploy runs: explicit paths (the gateway's `--clang`, `--wasm-ld`,
    /// `--rustc`) or found on PATH. Nothing is hard-coded to one installation.
    public struct Tools: Sendable, Equatable {
        public var clang: String?
        public var wasmLinker: String?
        public var rustc: String

        public init(clang: String? = nil, wasmLinker: String? = nil, rustc: String = "/usr/bin/rustc") {
            self.clang = clang
            self.wasmLinker = wasmLinker
            self.rustc = rustc
        }

        /// The clang to use: the explicit one, else `clang` on PATH, else the clang beside the
        /// `swift` found on PATH (the Swift toolchain's clang targets wasm32).
        public func resolvedClang(path: String? = nil) throws -> String {
            if let clang { return clang }
            // Not resolved: the driver reads its own name (clang, not clang-21).
            if let found = WasmToolchain.findOnPath("clang", path: path, resolvingLinks: false) { return found }
            if let swift = WasmToolchain.findOnPath("swift", path: path) {
                let candidate = String(swift[..<(swift.lastIndex(of: "/") ?? swift.endIndex)]) + "/clang"
                if access(candidate, X_OK) == 0 { return candidate }
            }
            throw ToolchainError.missing("no clang on PATH or beside swift (set --clang / FAAS_CLANG)")
        }

        /// The wasm-ld clang should be told about (`-fuse-ld=`): nil when clang finds its own
        /// beside itself; else the explicit one, else `wasm-ld` on PATH.
        public func resolvedWasmLinker(clang: String, path: String? = nil) throws -> String? {
            if let wasmLinker { return wasmLinker }
            let real = WasmToolchain.realPath(clang)
            let beside = String(real[..<(real.lastIndex(of: "/") ?? real.endIndex)]) + "/wasm-ld"
            if access(beside, X_OK) == 0 { return nil }
            if let found = WasmToolchain.findOnPath("wasm-ld", path: path) { return found }
            throw ToolchainError.missing("no wasm-ld beside \(clang) or on PATH (set --wasm-ld / FAAS_WASM_LD)")
        }

        /// The executables a compile for `language` runs (to make them visible in the sandbox).
        public func executables(language: Language) throws -> [String] {
            guard language == .c || language == .cpp else { return [rustc] }
            let clang = try resolvedClang()
            return [clang] + (try resolvedWasmLinker(clang: clang).map { [$0] } ?? [])
        }
    }

    /// True if C source defines `main` (then it is built as a WASI command). Comments and
    /// string literals are ignored, so `// int main(` does not count.
    public static func cHasMain(_ source: String) -> Bool {
        let code = stripCommentsAndStrings(source)
        return code.contains(/(?:^|[^A-Za-z0-9_])(?:int|void)\s+main\s*\(/)
    }

    /// True if Rust source defines `fn main` (a binary crate); otherwise it is built as a
    /// cdylib whose `#[no_mangle] pub extern "C"` functions are the exports.
    public static func rustHasMain(_ source: String) -> Bool {
        let code = stripCommentsAndStrings(source)
        return code.contains(/(?:^|[^A-Za-z0-9_])fn\s+main\s*\(/)
    }

    /// The compiler command for one deploy: `build` (decided by the caller, once) says whether
    /// the module is a WASI command (`main`, wasi-libc, `_start`) or the spec's module whose
    /// export is called (`-nostdlib --no-entry --export-all`, with wasi-libc linked for the
    /// functions it uses, so a source that also has a `main` links too). `sysroot` is a folder
    /// prepared by `ensureSysroot`.
    public static func commands(
        language: Language, build: WasmInvocation.Mode, source: String, output: String, sysroot: String, tools: Tools = Tools()
    ) throws -> (executable: String, arguments: [String]) {
        try commands(language: language, build: build, sources: [source], output: output, sysroot: sysroot, tools: tools)
    }

    /// Several sources (a bundle's): C and C++ files together, each compiled as its extension
    /// says (`-x c` / `-x c++`) when they are mixed, with `includes` on the header path; for
    /// Rust only the first (the crate root, which finds its `mod` files itself).
    public static func commands(
        language: Language, build: WasmInvocation.Mode, sources: [String], includes: [String] = [], output: String, sysroot: String,
        tools: Tools = Tools()
    ) throws -> (executable: String, arguments: [String]) {
        let source = sources.first ?? ""
        let isCxx = Language.isCxxSource
        let mixed = language == .cpp && sources.contains { !isCxx($0) }
        let inputs = includes.flatMap { ["-I", $0] }
            + (mixed ? sources.flatMap { ["-x", isCxx($0) ? "c++" : "c", $0] } + ["-x", "none"] : sources)
        // Mixed C and C++: no -std for the C++ files (clang's default is C++17), as C files refuse it.
        let cxxFlags = mixed ? cxxMode(language, sysroot).filter { $0 != "-std=c++17" } : cxxMode(language, sysroot)
        switch (language, build) {
        case (.cpp, _) where !isDirectory("\(sysroot)/\(libcxxInclude)"):
            throw ToolchainError.missing("libc++ for wasm32-wasi not found in \(sysroot)/\(libcxxInclude) (Debian libc++-16-dev-wasm32)")
        case (.c, .command), (.cpp, .command):
            let clang = try tools.resolvedClang()
            let linker = try tools.resolvedWasmLinker(clang: clang).map { ["-fuse-ld=\($0)"] } ?? []
            // -nodefaultlibs + explicit archive: clang 21 looks for builtins in its own
            // resource dir, where the Swift toolchain ships none for wasm32.
            return (clang, cxxFlags + [
                "--target=wasm32-wasi", "--sysroot=\(sysroot)", "-O2", "-nodefaultlibs",
                "-o", output,
            ] + inputs + cxxLibraries(language) + ["-lc", builtinsPath(sysroot)] + linker)
        case (.c, .export(let entrypoint)), (.cpp, .export(let entrypoint)):
            let clang = try tools.resolvedClang()
            let linker = try tools.resolvedWasmLinker(clang: clang).map { ["-fuse-ld=\($0)"] } ?? []
            var args = cxxFlags + [
                "--target=wasm32-wasi", "--sysroot=\(sysroot)", "-nostdlib", "-Wl,--no-entry",
                "-Wl,--export-all", "-O2", "-o", output,
            ] + inputs + cxxLibraries(language) + ["-lc", builtinsPath(sysroot)]
            if !entrypoint.isEmpty, isIdentifier(entrypoint) {
                // Fails the link with a clear message when the entrypoint is not defined.
                args.insert("-Wl,--export=\(entrypoint)", at: args.firstIndex(of: "-Wl,--no-entry")! + 1)
            }
            return (clang, args + linker)
        case (.rust, _):
            var args = ["--target", "wasm32-wasi", "-O", "-C", "strip=symbols"]
            if case .export = build { args += ["--crate-type", "cdylib"] }
            args += ["-o", output, source]
            return (tools.rustc, args)
        case (.js, _), (.python, _), (.go, _):
            throw ToolchainError.unsupportedLanguage(language)
        }
    }

    /// C++: clang in g++ mode against Debian's libc++ for wasm32-wasi (in the sysroot beside
    /// wasi-libc). That libc++ is built without exceptions, so C++ functions are too.
    private static func cxxMode(_ language: Language, _ sysroot: String) -> [String] {
        guard language == .cpp else { return [] }
        // The libc++ headers by path: clang 21 does not look for them in this sysroot layout.
        return ["--driver-mode=g++", "-std=c++17", "-fno-exceptions", "-nostdinc++", "-isystem", "\(sysroot)/\(libcxxInclude)"]
    }

    private static func cxxLibraries(_ language: Language) -> [String] {
        language == .cpp ? ["-lc++", "-lc++abi"] : []
    }

    /// libc++'s headers inside a sysroot made by `ensureSysroot` (Debian's libc++-N-dev-wasm32).
    static let libcxxInclude = "include/wasm32-wasi/c++/v1"

    private static func builtinsPath(_ sysroot: String) -> String { sysroot + "/" + builtinsInSysroot }


    /// Makes `path` a clang sysroot for wasm32-wasi out of symlinks to Debian's wasi-libc and
    /// compiler-rt: include/wasm32-wasi, lib/wasm32-wasi, lib/libclang_rt.builtins-wasm32.a.
    /// Idempotent and safe to race (links are made under a temporary name, then renamed).
    public static func ensureSysroot(at path: String) throws {
        guard isDirectory(wasiInclude), isDirectory(wasiLib) else {
            throw ToolchainError.missing("wasi-libc not found in \(wasiInclude) and \(wasiLib)")
        }
        guard let builtins = firstMatch(builtinsGlob) else {
            throw ToolchainError.missing("no \(builtinsGlob) (Debian libclang-rt-*-dev-wasm32)")
        }
        try makeDirectories(path + "/include")
        try makeDirectories(path + "/lib")
        try link(path + "/include/wasm32-wasi", to: wasiInclude)
        try link(path + "/lib/wasm32-wasi", to: wasiLib)
        try link(path + "/" + builtinsInSysroot, to: builtins)
    }

    // MARK: helpers

    static func isIdentifier(_ s: String) -> Bool {
        s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }

    /// Source with comments and string/char literals blanked (newlines kept).
    public static func stripCommentsAndStrings(_ s: String) -> String {
        var out = [UInt8]()
        let b = Array(s.utf8)
        out.reserveCapacity(b.count)
        var i = 0
        while i < b.count {
            let c = b[i]
            let next: UInt8 = i + 1 < b.count ? b[i + 1] : 0
            if c == UInt8(ascii: "/") && next == UInt8(ascii: "/") {
                while i < b.count && b[i] != UInt8(ascii: "\n") { i += 1 }
            } else if c == UInt8(ascii: "/") && next == UInt8(ascii: "*") {
                i += 2
                while i < b.count && !(b[i] == UInt8(ascii: "*") && i + 1 < b.count && b[i + 1] == UInt8(ascii: "/")) {
                    if b[i] == UInt8(ascii: "\n") { out.append(b[i]) }
                    i += 1
                }
                i += 2
                out.append(UInt8(ascii: " "))
            } else if c == UInt8(ascii: "\"") || (c == UInt8(ascii: "'") && isCharLiteralStart(b, i)) {
                let quote = c
                i += 1
                while i < b.count && b[i] != quote && b[i] != UInt8(ascii: "\n") {
                    if b[i] == UInt8(ascii: "\\") { i += 1 }
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

    /// A quote that opens a char literal, not a Rust lifetime (`'a`): closes within 4 bytes.
    private static func isCharLiteralStart(_ b: [UInt8], _ i: Int) -> Bool {
        var j = i + 1
        while j < b.count && j <= i + 4 {
            if b[j] == UInt8(ascii: "\\") { j += 2; continue }
            if b[j] == UInt8(ascii: "'") { return true }
            j += 1
        }
        return false
    }

    /// `name` in the folders of `path` (default: this process's PATH), symlinks resolved
    /// unless told not to (/usr/bin/swift may point into the real toolchain folder).
    static func findOnPath(_ name: String, path: String? = nil, resolvingLinks: Bool = true) -> String? {
        guard let path = path ?? getenv("PATH").map({ String(cString: $0) }) else { return nil }
        for dir in path.split(separator: ":") where !dir.isEmpty {
            let candidate = "\(dir)/\(name)"
            guard access(candidate, X_OK) == 0 else { continue }
            return resolvingLinks ? realPath(candidate) : candidate
        }
        return nil
    }

    static func realPath(_ path: String) -> String {
        guard let real = realpath(path, nil) else { return path }
        defer { free(real) }
        return String(cString: real)
    }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    static func firstMatch(_ pattern: String) -> String? {
        var g = glob_t()
        defer { globfree(&g) }
        guard glob(pattern, 0, nil, &g) == 0 else { return nil }
        // glob sorts, so the newest LLVM version comes last: prefer it.
        let all = (0..<Int(g.gl_pathc)).compactMap { g.gl_pathv[$0].map { String(cString: $0) } }
        return all.last
    }

    static func makeDirectories(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "" : "."
        for comp in path.split(separator: "/") {
            prefix += "/" + comp
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw ToolchainError.io("mkdir \(prefix): \(String(cString: strerror(errno)))")
            }
        }
        guard isDirectory(path) else { throw ToolchainError.io("\(path) is not a directory") }
    }

    /// Points `link` at `target`, replacing a link that points elsewhere.
    static func link(_ link: String, to target: String) throws {
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink(link, &buf, buf.count - 1)
        if n > 0, String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) == target { return }
        let tmp = "\(link).tmp\(getpid())"
        unlink(tmp)
        guard symlink(target, tmp) == 0 else {
            throw ToolchainError.io("symlink \(tmp): \(String(cString: strerror(errno)))")
        }
        guard rename(tmp, link) == 0 else {
            let e = errno
            unlink(tmp)
            throw ToolchainError.io("rename to \(link): \(String(cString: strerror(e)))")
        }
    }
}
