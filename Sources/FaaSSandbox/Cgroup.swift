import FaaSSystem
import Foundation
import Glibc

/// One function's cgroup (a folder per v1 hierarchy, or one v2 folder). Processes join it
/// through `procsFiles` before they exec (`SandboxPolicy.cgroup`), so whatever they fork is in
/// it from the start.
public struct Cgroup: Sendable, Equatable {
    public let version: CgroupVersion
    /// The folders, one per hierarchy (v1: memory, pids, cpu; v2: one).
    public let directories: [String]
    public let limits: CgroupLimits

    /// The files a process writes its pid into to join.
    public var procsFiles: [String] { directories.map { "\($0)/cgroup.procs" } }

    private var memoryDirectory: String { directories[0] }

    /// How many processes the kernel's OOM killer has killed in this cgroup so far (v1
    /// memory.oom_control `oom_kill`, v2 memory.events `oom_kill`).
    public func oomKills() -> Int {
        Self.read(oomKillFile).map(Self.oomKills(in:)) ?? 0
    }

    /// The control file with the `oom_kill` count (v1 memory.oom_control, v2 memory.events). A
    /// caller that looks after every call keeps it open and re-reads it at offset 0: an open per
    /// call (a path walk through cgroupfs) cost a sixth of the worker's time per JS/Python call.
    public var oomKillFile: String {
        switch version {
        case .v1: return "\(memoryDirectory)/memory.oom_control"
        case .v2: return "\(memoryDirectory)/memory.events"
        }
    }

    /// The `oom_kill` count in the text of `oomKillFile`.
    public static func oomKills(in text: String) -> Int {
        field("oom_kill", inText: text) ?? 0
    }

    /// The most memory the cgroup has used, bytes (v1 memory.max_usage_in_bytes, v2
    /// memory.peak where the kernel has it), nil if unknown.
    public func peakMemory() -> Int? {
        switch version {
        case .v1: return Self.number(in: "\(memoryDirectory)/memory.max_usage_in_bytes")
        case .v2: return Self.number(in: "\(memoryDirectory)/memory.peak")
        }
    }

    /// Memory in use now, bytes.
    public func currentMemory() -> Int? {
        switch version {
        case .v1: return Self.number(in: "\(memoryDirectory)/memory.usage_in_bytes")
        case .v2: return Self.number(in: "\(memoryDirectory)/memory.current")
        }
    }

    /// Pids of the processes in it (the memory hierarchy's view).
    public func processes() -> [pid_t] {
        guard let text = KernelFile.text("\(memoryDirectory)/cgroup.procs") else { return [] }
        return text.split(separator: "\n").compactMap { pid_t($0) }
    }

    /// Kills what is left in it and removes its folders (a cgroup with live members cannot be
    /// removed: the kernel answers EBUSY until they are reaped).
    public func remove() {
        for _ in 0..<50 {
            let members = processes()
            if members.isEmpty { break }
            for pid in members { kill(pid, SIGKILL) }
            usleep(2_000)
        }
        for directory in directories.reversed() { rmdir(directory) }
    }

    static func number(in path: String) -> Int? {
        guard let text = read(path) else { return nil }
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// The value of `key` in a flat-keyed file ("key value" lines).
    static func field(_ key: String, in path: String) -> Int? {
        read(path).flatMap { field(key, inText: $0) }
    }

    static func field(_ key: String, inText text: String) -> Int? {
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, parts[0] == key { return Int(parts[1]) }
        }
        return nil
    }

    /// A small control file's text: one open and read (read after every call, so no Foundation).
    static func read(_ path: String) -> String? {
        guard let fd = try? syscall("open", { open(path, O_RDONLY | O_CLOEXEC) }) else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        guard let count = try? syscall("read", { buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) } }) else { return nil }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }
}
