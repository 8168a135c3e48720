import Glibc

/// Reads the files the kernel makes up on each read (/proc, cgroup folders). They report a
/// size of 0 and hand out at most about a page per read(2), so they are read until end of
/// file: Foundation's String(contentsOfFile:) stops after the first read, which cut a
/// container's /proc/self/mountinfo after its first 4 KiB and hid the cgroup mounts past it.
public enum KernelFile {
    /// The whole text of `path`, or nil when it cannot be opened or read.
    public static func text(_ path: String) -> String? {
        guard let file = try? FileDescriptor.open(path, O_RDONLY) else { return nil }
        return file.closeAfter { file in
            (try? file.readAll()).map { String(decoding: $0, as: UTF8.self) }
        }
    }
}
