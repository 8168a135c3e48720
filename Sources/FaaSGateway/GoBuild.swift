import FaaSSandbox
import FaaSStore
import FaaSSystem
import Foundation
import Glibc

/// How a Go function is built at deploy: the folder `go build` runs in (inside the staging
/// folder, removed before publishing) and its sandboxed command line. A command is the user's
/// `package main` as it is; a handler (`package function`) is built with our runtime shim
/// (`GoRuntime/main.go`, compiled into the gateway) as its `main`.
///
/// No network and no module downloads (`GOPROXY=off`), no cgo (a static binary that needs
/// nothing from the host), the build cache inside the staging folder (nothing shared between
/// deploys). The staging folder is mounted at `/build` in the sandbox, so the paths Go records
/// in the binary name no host folder: `-trimpath` would do the same but makes Go 1.19 rebuild
/// the standard library on every deploy (its precompiled one is for untrimmed builds).
struct GoBuild {
    /// The staging folder as the compiler sees it.
    static let mountPoint = "/build"
    /// The build folder's name inside the staging folder.
    static let folder = "build"

    let staged: StagedFunction
    let mode: FunctionMode
    /// Where the staging folder is inside the sandbox (itself, without bubblewrap).
    let inside: String

    init(staged: StagedFunction, mode: FunctionMode, sandbox: SandboxMode) {
        self.staged = staged
        self.mode = mode
        inside = sandbox == .bwrap ? Self.mountPoint : staged.directory
    }

    var buildDirectory: String { staged.directory + "/" + Self.folder }
    var binaryPath: String { staged.directory + "/" + Language.nativeArtifact }

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

    /// A bundle: its tree is the module (its go.mod, or ours when it has none; its `vendor/`
    /// is used, `-mod=vendor`, as nothing is ever downloaded).
    var isBundle: Bool { staged.bundle != nil }
    var vendored: Bool { isBundle && access(staged.treePath + "/vendor/modules.txt", F_OK) == 0 }

    /// Writes the build folder (the deploy's blocking setup; the folder is the deploy's own).
    func writeFiles(source: [UInt8]) throws {
        if isBundle {
            try FileManager.default.copyItem(atPath: staged.treePath, toPath: buildDirectory)
            if access(buildDirectory + "/go.mod", F_OK) != 0 {
                let fd = try FileDescriptor.open(buildDirectory + "/go.mod", O_WRONLY | O_CREAT | O_EXCL, mode: 0o644)
                try fd.closeAfter { try $0.writeAll(Array("module function\n\ngo 1.19\n".utf8)) }
            }
            return
        }
        try syscall("mkdir") { mkdir(buildDirectory, 0o755) }
        if mode == .handler { try syscall("mkdir") { mkdir(buildDirectory + "/function", 0o755) } }
        for file in files(source: source) {
            let fd = try FileDescriptor.open(buildDirectory + "/" + file.path, O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644)
            try fd.closeAfter { try $0.writeAll(file.contents) }
        }
    }

    var environment: [String: String] {
        let build = inside + "/" + Self.folder
        return ["PATH": "/usr/bin:/bin", "HOME": build + "/.home", "LANG": "C.UTF-8", "CGO_ENABLED": "0", "GO111MODULE": "on",
                "GOPROXY": "off", "GOSUMDB": "off", "GOWORK": "off", "GOFLAGS": vendored ? "-mod=vendor" : "-mod=mod", "GOCACHE": build + "/.cache",
                "GOPATH": build + "/.gopath", "GOTMPDIR": build]
    }

    /// `go build` for this function, writing `code` in the staging folder.
    func arguments(go: String) -> [String] {
        [go, "build", "-o", inside + "/" + Language.nativeArtifact, "-ldflags=-s -w", "."]
    }

    /// The compiler sandbox with the staging folder at `inside`, working in the build folder.
    func policy(_ options: GatewayOptions) -> SandboxPolicy {
        var policy = SandboxPolicy.compiler(mode: options.sandbox, tools: options.sandboxTools, toolchain: [options.go],
                                            sysroot: Self.goRoot(options.go), staging: staged.directory, timeout: options.compileTimeout)
        policy.writableBinds = [(staged.directory, inside)]
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
