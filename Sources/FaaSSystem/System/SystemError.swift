import Glibc

/// A failed system call: which one, and the errno it left. Every log line about an I/O failure
/// carries both, so an operator can tell `connect` refusals from `read` resets at a glance.
public struct SystemError: Error, CustomStringConvertible, Equatable, Sendable {
    public let syscall: String
    public let errno: Int32

    public init(_ syscall: String, errno: Int32) {
        self.syscall = syscall
        self.errno = errno
    }

    public var description: String {
        "\(syscall): \(String(cString: strerror(errno))) (errno \(errno))"
    }
}
