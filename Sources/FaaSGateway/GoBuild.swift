import FaaSSandbox
import FaaSStore
import FaaSSystem
import Foundation
import Glibc

/// How a Go function is built at deploy: the folder `go build` runs in (the compile slot's own
/// folder, as for C and Rust, or the staging folder without the sandbox; removed before
/// publishing) and its sandboxed command line. A command is the user's
/// `package main` as it is; a handler (`package function`) is built with our runtime shim
/// (`GoRuntime/main.go`, compiled into the gateway) as its `main`.
///
/// No network and no module downloads (`GOPROXY=off`), no cgo (a static binary that needs
/// nothing from the host), the build cache inside the staging folder (nothing shared between
/// deploys). The workspace is mounted at `/build` in the sandbox, so the paths Go records
/// in the binary name no host folder: `-trimpath` would do the same but makes Go 1.19 rebuild
/// the standard library on every deploy (its precompiled one is for untrimmed builds).
struct GoBuild {
    /// The workspace as the compiler sees it.
    static let mountPoint = "/build"
    /// The build folder's name inside the workspace.
    static let folder = "build"

    /// The host folder the build writes in (the build folder and the executable).
    let workspace: String
    let mode: FunctionMode
    /// Where the workspace is inside the sandbox (itself, without bubblewrap).
    let inside: String
    /// A bundle's unpacked tree (the staging folder's `src/`); nil: one source file.
    let tree: String?

    init(workspace: String, mode: FunctionMode, sandbox: SandboxMode, tree: String? = nil) {
        self.workspace = workspace
        self.mode = mode
        self.tree = tree
        inside = sandbox == .bwrap ? Self.mountPoint : workspace
    }

    var buildDirectory: String { workspace + "/" + Self.folder }
    var binaryPath: String { workspace + "/" + Language.nativeArtifact }

    /// The module's files: go.mod, and the source as the main package or as package `function`
    /// beside the shim.
    func files(source: [UInt8]) -> [(path: String, contents: [UInt8])] {
        switch mode {
        case .handler:
            return [("go.mod", Array("module handler\n\ngo 1.19\n".utf8)), ("main.go", PackageResources.main_go),
                    ("function/handler.go", source)]
        default:
            return [("go.mod", Array("module function\n\ngo 1.19\n".utf8)), ("main.go", source)]
        }
    }

    /// A bundle: a command's tree is the module (its go.mod, or ours when it has none); a
    /// handler's is package `function` of ours. Its `vendor/` is used (`-mod=vendor`): nothing
    /// is ever downloaded.
    var isBundle: Bool { tree != nil }
    var vendored: Bool { tree.map { access($0 + "/vendor/modules.txt", F_OK) == 0 } ?? false }

    /// Writes the build folder (the deploy's blocking setup; the folder is the deploy's own).
    func writeFiles(source: [UInt8]) throws {
        if let tree, mode == .handler {
            // An OpenFaaS golang-http function folder (package `function`; the template's go.mod
            // says `module handler/function`) beside our shim as `main`, in one module `handler`:
            // the folder's requirements and its vendor/ tree become the module's.
            let function = buildDirectory + "/function"
            try syscall("mkdir") { mkdir(buildDirectory, 0o755) }
            try FileManager.default.copyItem(atPath: tree, toPath: function)
            let own = (try? String(contentsOfFile: function + "/go.mod", encoding: .utf8)) ?? ""
            for file in ["go.mod", "go.sum"] where access(function + "/" + file, F_OK) == 0 {
                try FileManager.default.removeItem(atPath: function + "/" + file)
            }
            if access(function + "/vendor", F_OK) == 0 {
                try FileManager.default.moveItem(atPath: function + "/vendor", toPath: buildDirectory + "/vendor")
            }
            try write("go.mod", Array(("module handler\n\ngo 1.19\n" + Self.requirements(of: own)).utf8))
            try write("main.go", PackageResources.main_go)
            return
        }
        if let tree {
            try FileManager.default.copyItem(atPath: tree, toPath: buildDirectory)
            if access(buildDirectory + "/go.mod", F_OK) != 0 {
                let fd = try FileDescriptor.open(buildDirectory + "/go.mod", O_WRONLY | O_CREAT | O_EXCL, mode: 0o644)
                try fd.closeAfter { try $0.writeAll(Array("module function\n\ngo 1.19\n".utf8)) }
            }
            return
        }
        try syscall("mkdir") { mkdir(buildDirectory, 0o755) }
        if mode == .handler { try syscall("mkdir") { mkdir(buildDirectory + "/function", 0o755) } }
        for file in files(source: source) { try write(file.path, file.contents) }
    }

    private func write(_ path: String, _ contents: [UInt8]) throws {
        let fd = try FileDescriptor.open(buildDirectory + "/" + path, O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644)
        try fd.closeAfter { try $0.writeAll(contents) }
    }

    /// The `require` and `replace` directives of a go.mod (single lines and blocks), for the
    /// module a handler bundle is built in.
    static func requirements(of goMod: String) -> String {
        var kept = ""
        var inBlock = false
        for line in goMod.split(separator: "\n", omittingEmptySubsequences: false) {
            let text = line.trimmingCharacters(in: .whitespaces)
            if inBlock {
                kept += line + "\n"
                if text == ")" { inBlock = false }
            } else if text.hasPrefix("require (") || text.hasPrefix("replace (") {
                kept += "\n" + line + "\n"
                inBlock = true
            } else if text.hasPrefix("require ") || text.hasPrefix("replace ") {
                kept += "\n" + line + "\n"
            }
        }
        return kept
    }

    var environment: [String: String] {
        let build = inside + "/" + Self.folder
        return ["PATH": "/usr/bin:/bin", "HOME": build + "/.home", "LANG": "C.UTF-8", "CGO_ENABLED": "0", "GO111MODULE": "on",
                "GOPROXY": "off", "GOSUMDB": "off", "GOWORK": "off", "GOFLAGS": vendored ? "-mod=vendor" : "-mod=mod", "GOCACHE": build + "/.cache",
                "GOPATH": build + "/.gopath", "GOTMPDIR": build]
    }

    /// `go build` for this function, writing `code` in the workspace.
    func arguments(go: String) -> [String] {
        [go, "build", "-o", inside + "/" + Language.nativeArtifact, "-ldflags=-s -w", "."]
    }

    /// The compiler sandbox with the workspace at `inside`, working in the build folder.
    func policy(_ options: GatewayOptions) -> SandboxPolicy {
        var policy = SandboxPolicy.compiler(mode: options.sandbox, tools: options.sandboxTools, toolchain: [options.go],
                                            sysroot: Self.goRoot(options.go), staging: workspace, timeout: options.compileTimeout)
        policy.writableBinds = [(workspace, inside)]
        policy.workingDirectory = inside + "/" + Self.folder
        return policy
    }

    /// The Go installation a `go` command belongs to (`/usr/lib/go-1.19` for Debian's
    /// `/usr/bin/go`), bound read-only into the sandbox.
    static func goRoot(_ go: String) -> String {
        guard let real = realpath(go, nil) else { return go }
        defer { free(real) }
        var path = String(cString: real)
        for _ in 0..<2 { path = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]) }
        return path.isEmpty ? "/" : path
    }
}
