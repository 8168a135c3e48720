import Glibc

/// Runs a system call, retrying on EINTR; any other failure throws a `SystemError` naming it.
@inline(__always)
@discardableResult
public func syscall<T: FixedWidthInteger>(_ name: String, _ body: () -> T) throws -> T {
    while true {
        let result = body()
        if result != -1 { return result }
        let code = errno
        if code == EINTR { continue }
        throw SystemError(name, errno: code)
    }
}

/// Like `syscall`, for non-blocking descriptors: EAGAIN / EWOULDBLOCK becomes `.wouldBlock`.
@inline(__always)
public func nonBlockingSyscall<T: FixedWidthInteger>(_ name: String, _ body: () -> T) throws -> IOResult<T> {
    while true {
        let result = body()
        if result != -1 { return .processed(result) }
        let code = errno
        if code == EINTR { continue }
        if code == EAGAIN || code == EWOULDBLOCK { return .wouldBlock }
        throw SystemError(name, errno: code)
    }
}
