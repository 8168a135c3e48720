import Glibc

/// How a child ended, decoded from waitpid's status.
public enum ExitStatus: Equatable, CustomStringConvertible, Sendable {
    case exited(Int32)
    case signaled(Int32)

    public init(waitStatus status: Int32) {
        // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift cannot import.
        if status & 0x7f == 0 {
            self = .exited((status >> 8) & 0xff)
        } else {
            self = .signaled(status & 0x7f)
        }
    }

    public var isSuccess: Bool { self == .exited(0) }

    public var description: String {
        switch self {
        case .exited(let code): return "exit status \(code)"
        case .signaled(let signal): return "killed by signal \(signal) (\(String(cString: strsignal(signal))))"
        }
    }
}
