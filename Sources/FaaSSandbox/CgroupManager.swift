import FaaSSystem
import Foundation
import Glibc

/// Makes one cgroup per warm runtime (or compiler run) under a folder of this daemon's own:
/// `<own cgroup>/faas-<role>-<pid>/<name>`. Detects at start which interface is usable:
/// - v2 when the daemon's own cgroup (from /proc/self/cgroup) is a delegated subtree: its
///   cgroup.controllers offer memory and pids and its cgroup.subtree_control is writable;
/// - v1 when the memory, pids and cpu hierarchies are mounted and our folders in them writable;
/// - none otherwise (`CgroupError.unavailable`, naming why).
public final class CgroupManager: @unchecked Sendable {
    public let version: CgroupVersion
    /// The folder (per hierarchy) that holds this daemon's cgroups.
    public let parents: [String]

    /// Detects the interface and makes this daemon's folder; throws `CgroupError.unavailable`.
    public init(role: String, selfCgroup: String = "/proc/self/cgroup", mountInfo: String = "/proc/self/mountinfo") throws {
        let membership = KernelFile.text(selfCgroup) ?? ""
        let mounts = KernelFile.text(mountInfo) ?? ""
        let found = Self.detect(selfCgroup: membership, mountInfo: mounts, usable: Self.isUsable)
        guard let version = found.version else { throw CgroupError.unavailable(found.why) }
        let name = "faas-\(role)-\(getpid())"
        var parents: [String] = []
        switch version {
        case .v2(let root):
            parents = ["\(root)/\(name)"]
        case .v1(let memory, let pids, let cpu):
            parents = [memory, pids, cpu].map { "\($0)/\(name)" }
        }
        // Folders of daemons of this role that died without removing them (SIGKILL, a crash).
        for parent in parents {
            Self.removeStale(in: (parent as NSString).deletingLastPathComponent, prefix: "faas-\(role)-", version: version)
        }
        for parent in parents {
            do { try syscall("mkdir") { mkdir(parent, 0o755) } } catch let error as SystemError where error.errno == EEXIST {}
            catch { throw CgroupError.unavailable("cannot create \(parent): \(error)") }
        }
        if case .v2(let root) = version {
            // The delegated folder, then ours, hand the controllers on to the function cgroups
            // (cpu where the kernel offers it).
            for folder in [root, parents[0]] {
                do { try Self.write("+memory +pids +cpu", to: "\(folder)/cgroup.subtree_control") } catch {
                    do { try Self.write("+memory +pids", to: "\(folder)/cgroup.subtree_control") } catch {
                        throw CgroupError.unavailable("cannot enable the memory and pids controllers in \(folder) (\(error)): "
                            + "a cgroup v2 folder with processes of its own cannot hand them down; start the daemons through systemd/faas-cgroup-leaf")
                    }
                }
            }
        }
        self.version = version
        self.parents = parents
    }

    /// The usable interface for a process whose /proc/self/cgroup and mountinfo read as given,
    /// or nil and why not. `usable(folder, controllers)` says whether a folder can hold our
    /// cgroups (exists, writable, and for v2 offers `controllers` and a writable subtree_control).
    public static func detect(selfCgroup: String, mountInfo: String, usable: (String, [String]) -> Bool) -> (version: CgroupVersion?, why: String) {
        var v1Paths: [String: String] = [:]  // controller -> our path in its hierarchy
        var v2Path: String?
        for line in selfCgroup.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            if parts[0] == "0" && parts[1].isEmpty { v2Path = String(parts[2]); continue }
            for controller in parts[1].split(separator: ",") { v1Paths[String(controller)] = String(parts[2]) }
        }
        var v1Mounts: [String: (root: String, point: String)] = [:]
        var v2Mount: (root: String, point: String)?
        for line in mountInfo.split(separator: "\n") {
            let halves = line.components(separatedBy: " - ")
            guard halves.count == 2 else { continue }
            let fields = halves[0].split(separator: " "), tail = halves[1].split(separator: " ")
            guard fields.count >= 5, tail.count >= 3 else { continue }
            let mount = (root: String(fields[3]), point: String(fields[4]))
            if tail[0] == "cgroup2" { v2Mount = mount }
            if tail[0] == "cgroup" {
                for option in tail[2].split(separator: ",") where ["memory", "pids", "cpu"].contains(String(option)) {
                    v1Mounts[String(option)] = mount
                }
            }
        }
        func folder(_ mount: (root: String, point: String), _ path: String) -> String {
            let relative = mount.root == "/" ? path : (path.hasPrefix(mount.root) ? String(path.dropFirst(mount.root.count)) : path)
            let joined = mount.point + (relative == "/" ? "" : relative)
            return joined.hasSuffix("/") ? String(joined.dropLast()) : joined
        }
        var reasons: [String] = []
        if let v2Mount, let v2Path {
            // Our own cgroup, or its parent when the daemons sit in a leaf of the delegated
            // subtree (systemd/faas-cgroup-leaf): a cgroup with processes of its own cannot hand
            // controllers down.
            let own = folder(v2Mount, v2Path)
            var candidates = [own]
            let parent = (own as NSString).deletingLastPathComponent
            if parent.count >= v2Mount.point.count, parent != own { candidates.append(parent) }
            if let root = candidates.first(where: { usable($0, ["memory", "pids"]) }) { return (.v2(root: root), "") }
            reasons.append("cgroup v2 at \(own) offers no memory and pids controllers or is not delegated")
        } else {
            reasons.append("no cgroup v2 mount")
        }
        var v1: [String] = []
        for controller in ["memory", "pids", "cpu"] {
            guard let mount = v1Mounts[controller], let path = v1Paths[controller] else {
                reasons.append("no cgroup v1 \(controller) hierarchy")
                break
            }
            let own = folder(mount, path)
            guard usable(own, []) else {
                reasons.append("cgroup v1 \(controller) folder \(own) is not writable")
                break
            }
            v1.append(own)
        }
        if v1.count == 3 { return (.v1(memory: v1[0], pids: v1[1], cpu: v1[2]), "") }
        return (nil, reasons.joined(separator: "; "))
    }

    static func isUsable(_ folder: String, controllers: [String]) -> Bool {
        guard access(folder, W_OK) == 0, access("\(folder)/cgroup.procs", W_OK) == 0 else { return false }
        guard !controllers.isEmpty else { return true }
        guard access("\(folder)/cgroup.subtree_control", W_OK) == 0,
              let offered = KernelFile.text("\(folder)/cgroup.controllers") else { return false }
        let names = Set(offered.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
        return controllers.allSatisfy(names.contains)
    }

    /// A fresh cgroup `name` (any earlier one of that name is emptied and replaced) with `limits`.
    public func create(name: String, limits: CgroupLimits) throws -> Cgroup {
        let directories = parents.map { "\($0)/\(name)" }
        let old = Cgroup(version: version, directories: directories, limits: limits)
        old.remove()
        for directory in directories {
            do { try syscall("mkdir") { mkdir(directory, 0o755) } } catch let error as SystemError {
                throw CgroupError.write(path: directory, value: "mkdir", errno: error.errno)
            }
        }
        let cgroup = Cgroup(version: version, directories: directories, limits: limits)
        do {
            for (file, value) in Self.settings(version: version, directories: directories, limits: limits) {
                try Self.write(value, to: file)
            }
        } catch {
            cgroup.remove()
            throw error
        }
        return cgroup
    }

    /// The (file, value) pairs that set `limits`, in order: kernel documentation
    /// (cgroup-v1/memory.rst, pids.rst, sched-design-CFS; cgroup-v2.rst).
    public static func settings(version: CgroupVersion, directories: [String], limits: CgroupLimits) -> [(String, String)] {
        switch version {
        case .v2:
            let folder = directories[0]
            // memory.swap.max is absent without swap accounting and cpu.weight without the cpu
            // controller: skipped when the folder exists but they do not.
            let optional = { (file: String) in access(folder, F_OK) != 0 || access(file, F_OK) == 0 }
            var pairs = [("\(folder)/memory.max", String(limits.memoryBytes))]
            if optional("\(folder)/memory.swap.max") { pairs.append(("\(folder)/memory.swap.max", "0")) }
            pairs.append(("\(folder)/pids.max", String(limits.maxProcesses)))
            if optional("\(folder)/cpu.weight") { pairs.append(("\(folder)/cpu.weight", String(limits.cpuWeight))) }
            if optional("\(folder)/cpu.max") {
                let quota = limits.cpuQuotaMicroseconds.map(String.init) ?? "max"
                pairs.append(("\(folder)/cpu.max", "\(quota) \(CgroupLimits.cpuPeriodMicroseconds)"))
            }
            return pairs
        case .v1:
            let (memory, pids, cpu) = (directories[0], directories[1], directories[2])
            var pairs = [("\(memory)/memory.limit_in_bytes", String(limits.memoryBytes))]
            // memsw (memory + swap) equal to memory: no swap. Absent when swap accounting is off.
            if access("\(memory)/memory.memsw.limit_in_bytes", F_OK) == 0 {
                pairs.append(("\(memory)/memory.memsw.limit_in_bytes", String(limits.memoryBytes)))
            }
            pairs.append(("\(memory)/memory.swappiness", "0"))
            pairs.append(("\(pids)/pids.max", String(limits.maxProcesses)))
            pairs.append(("\(cpu)/cpu.shares", String(limits.cpuShares)))
            // The period before the quota: a quota is checked against the period in force.
            pairs.append(("\(cpu)/cpu.cfs_period_us", String(CgroupLimits.cpuPeriodMicroseconds)))
            pairs.append(("\(cpu)/cpu.cfs_quota_us", String(limits.cpuQuotaMicroseconds ?? -1)))
            return pairs
        }
    }

    /// Removes this daemon's folders (after its cgroups are removed).
    public func removeAll() {
        for parent in parents { Self.removeTree(parent, version: version) }
    }

    /// Removes `folder`'s cgroups (killing what is left in them), then `folder`.
    static func removeTree(_ folder: String, version: CgroupVersion) {
        if let names = try? FileManager.default.contentsOfDirectory(atPath: folder) {
            for name in names where !name.contains(".") {
                Cgroup(version: version, directories: [folder + "/" + name], limits: CgroupLimits(memoryBytes: 0)).remove()
            }
        }
        rmdir(folder)
    }

    /// Removes the `<prefix><pid>` folders in `folder` whose daemon is gone.
    static func removeStale(in folder: String, prefix: String, version: CgroupVersion) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for name in names where name.hasPrefix(prefix) {
            guard let pid = pid_t(name.dropFirst(prefix.count)), kill(pid, 0) != 0, errno == ESRCH else { continue }
            removeTree("\(folder)/\(name)", version: version)
        }
    }

    static func write(_ value: String, to path: String) throws {
        do {
            let fd = try syscall("open") { open(path, O_WRONLY | O_CLOEXEC) }
            defer { close(fd) }
            let bytes = Array(value.utf8)
            let written = try syscall("write") { bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } }
            guard written == bytes.count else { throw CgroupError.write(path: path, value: value, errno: EIO) }
        } catch let error as SystemError {
            throw CgroupError.write(path: path, value: value, errno: error.errno)
        }
    }
}
