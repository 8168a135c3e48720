/// What a runtime's reply reports (`Runtime/README.md`, "Frame format"; the same numbers as
/// `Frame` in runtime.py and `frame.kind` in runtime.js).
enum RuntimeReplyKind: UInt8, Sendable {
    /// The command exited (`code` = its exit status) or the handler returned (0) or raised (1).
    case exited = 0
    /// The command was killed by signal `code`.
    case signaled = 1
    /// Its stdout or stderr passed the output cap; the bodies are empty.
    case outputTooLarge = 2
    /// The runtime cannot run the function at all (a handler that fails to load); stderr says why.
    case runtimeError = 3
}
