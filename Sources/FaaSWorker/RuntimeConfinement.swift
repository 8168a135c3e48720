import FaaSSystem
import FaaSStore
import FaaSSandbox
import Glibc

/// What confines a warm JS/Python runtime beyond its namespaces: a cgroup per function (memory
/// including its tmpfs, no swap, processes, CPU weight), a tmpfs bounded by the memory limit,
/// and the seccomp filter. Detected once at start: a worker that cannot enforce memory limits
/// says so and refuses to run functions (503) instead of running them unbounded, unless the
/// sandbox is off (`FAAS_SANDBOX=none`).
final class RuntimeConfinement {
    private let manager: CgroupManager?
    /// Why functions are refused (no cgroup, no filter); nil when confinement works or is off.
    let problem: String?
    private let seccompFile: String?
    private var cgroups: [String: Cgroup] = [:]
    /// The OOM kill count of each function's cgroup at the last look.
    private var seenOOMKills: [String: Int] = [:]
    /// Each function's `Cgroup.oomKillFile`, open: read after every call without a path walk.
    private var oomFiles: [String: FileDescriptor] = [:]

    init(sandboxed: Bool, filterPath: String, log: Logger) {
        guard sandboxed else {
            manager = nil
            problem = nil
            seccompFile = nil
            return
        }
        var problems: [String] = []
        var manager: CgroupManager?
        do { manager = try CgroupManager(role: "worker") } catch { problems.append("\(error)") }
        var seccompFile: String? = filterPath
        do { try SeccompFilter.export(to: seccompFile!) } catch {
            seccompFile = nil
            problems.append("cannot build the seccomp filter: \(error)")
        }
        self.manager = manager
        self.seccompFile = seccompFile
        problem = problems.isEmpty ? nil : problems.joined(separator: "; ")
        if let problem { log.warn("JS and Python functions are refused: \(problem)") }
    }

    deinit {
        for file in oomFiles.values { file.close() }
        manager?.removeAll()
    }

    /// The interpreter's own footprint on top of a function's memory limit, MiB (node's heap
    /// beyond --max-old-space-size, its code and threads; python's interpreter).
    static func overheadMiB(_ language: Language) -> Int { language == .js ? 128 : 64 }

    /// Puts `policy` under a fresh cgroup for function `id` (replacing its earlier one), the
    /// filter and a tmpfs of at most `memory` MiB; `cpu` cores of CPU bandwidth (0: no quota).
    /// Throws when confinement is unavailable.
    func apply(to policy: inout SandboxPolicy, id: String, memory: Int, cpu: Double, language: Language) throws {
        guard policy.mode == .bwrap else { return }
        if let problem { throw CgroupError.confinementUnusable(problem) }
        guard let manager else { return }
        let limits = CgroupLimits(memoryBytes: (memory + Self.overheadMiB(language)) << 20, maxProcesses: policy.maxProcesses ?? 64,
                                  cpuCores: cpu > 0 ? cpu : nil)
        let cgroup = try manager.create(name: Self.cgroupName(id), limits: limits)
        oomFiles.removeValue(forKey: id)?.close()
        cgroups[id] = cgroup
        seenOOMKills[id] = 0
        oomFiles[id] = try? FileDescriptor.open(cgroup.oomKillFile, O_RDONLY | O_CLOEXEC)
        policy.cgroup = cgroup
        policy.seccompFile = seccompFile
        policy.tmpfsSizeMiB = memory
    }

    /// The memory-limit error when the kernel's OOM killer acted in function `id`'s cgroup
    /// since the last look (its `oom_kill` count rose); nil otherwise. One read per call, after it.
    func memoryFailure(_ id: String, memory: Int) -> String? {
        guard let cgroup = cgroups[id] else { return nil }
        let kills = oomFiles[id].flatMap(Self.reread).map(Cgroup.oomKills(in:)) ?? cgroup.oomKills()
        defer { seenOOMKills[id] = kills }
        guard kills > seenOOMKills[id, default: 0] else { return nil }
        return "memory limit of \(memory) MiB exceeded: the function's cgroup ran out of memory "
            + "(\(cgroup.limits.memoryBytes >> 20) MiB with the runtime's own, /tmp included) and the kernel killed it"
    }

    /// Removes function `id`'s cgroup (its runtime is gone).
    func release(_ id: String) {
        oomFiles.removeValue(forKey: id)?.close()
        cgroups.removeValue(forKey: id)?.remove()
        seenOOMKills.removeValue(forKey: id)
    }

    /// A control file's text, read again from its start (cgroupfs regenerates it at offset 0).
    private static func reread(_ file: FileDescriptor) -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = try? syscall("pread") { buffer.withUnsafeMutableBytes { pread(file.rawValue, $0.baseAddress, $0.count, 0) } }
        return count.map { String(decoding: buffer[..<$0], as: UTF8.self) }
    }

    /// A cgroup folder name for a function id (no dots or slashes: those name control files).
    static func cgroupName(_ id: String) -> String {
        "fn-" + String(id.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
    }
}
