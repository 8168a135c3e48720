import Foundation

extension SandboxPolicy {
    /// Address space of a compiler, MiB.
    public static let compilerAddressSpaceMiB = 4096

    /// A compiler's cgroup: its memory (tmpfs included) within its address space, threads and
    /// the processes a driver starts (clang runs wasm-ld; rustc, its threads).
    /// The host user of compile slot `slot`: never root, and outside the block the workers give
    /// their runtimes (100000 + pid * 16 + n, below 68 million).
    public static func compilerUID(slot: Int) -> UInt32 { 70_000_000 + UInt32(slot) }

    public static let compilerCgroupLimits = CgroupLimits(memoryBytes: compilerAddressSpaceMiB << 20, maxProcesses: 512)

    /// Compilers read untrusted source (`#include "/etc/..."`, Rust's `include_str!`): they see
    /// the toolchain read-only (the prefix of each tool outside /usr, e.g. the Swift
    /// toolchain's clang), the sysroot, and the deploy's own staging folder as the only
    /// writable place, and die with the gateway.
    public static func compiler(mode: SandboxMode, tools: SandboxTools, toolchain: [String], sysroot: String, staging: String,
                                timeout: Double) -> SandboxPolicy {
        var binds: [(host: String, inside: String)] = []
        for tool in toolchain {
            let prefix = URL(fileURLWithPath: tool).resolvingSymlinksInPath().deletingLastPathComponent().deletingLastPathComponent().path
            guard prefix != "/", prefix != "/usr", !prefix.hasPrefix("/usr/"), !binds.contains(where: { $0.host == prefix }) else { continue }
            binds.append((prefix, prefix))
        }
        binds.append((sysroot, sysroot))
        return SandboxPolicy(mode: mode, tools: tools, uid: nil, addressSpaceMiB: compilerAddressSpaceMiB,
                             cpuSeconds: Int(timeout.rounded(.up)) + 5, maxProcesses: nil, maxOpenFiles: nil, maxFileSizeMiB: 256,
                             readOnlyBinds: binds, writableBinds: [(staging, staging)], directories: [],
                             workingDirectory: staging, dieWithParent: true)
    }
}
