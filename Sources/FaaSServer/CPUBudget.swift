import FaaSSystem
import Foundation

/// How many CPUs this process may use: the online processors it may run on, capped by the
/// cgroup v2 quota (`cpu.max`, "quota period") when one is set.
enum CPUBudget {
    static func available(cgroupFile: String = "/sys/fs/cgroup/cpu.max") -> Double {
        let cpus = Double(ProcessInfo.processInfo.activeProcessorCount)
        guard let text = KernelFile.text(cgroupFile) else { return cpus }
        return min(cpus, quota(text) ?? cpus)
    }

    /// `"200000 100000"` is 2 CPUs; `"max 100000"` (no quota) and anything unreadable is nil.
    static func quota(_ text: String) -> Double? {
        let fields = text.split(whereSeparator: \.isWhitespace)
        guard fields.count == 2, let quota = Double(fields[0]), let period = Double(fields[1]), period > 0, quota > 0 else { return nil }
        return quota / period
    }
}
