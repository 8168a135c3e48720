
/// Why an invocation failed.
public enum WasmFailureKind: Sendable, Equatable {
    /// The wasm code trapped (unreachable, out of bounds, divide by zero, stack overflow...).
    case trap
    /// The program called `proc_exit` with a non-zero status.
    case exit(code: Int32)
    /// stdout or stderr went past `outputCap`; the program was stopped there.
    case outputTooLarge
    /// Export mode: unknown export, wrong argument count or unparsable argument.
    case badArguments
    /// The module could not be instantiated (unsupported import, start function trapped, ...).
    case instantiation
    /// The instance's linear memory outgrew `WasmInvocation.memoryLimit`, or the call failed
    /// after the limit stopped its memory from growing.
    case memoryLimit
    /// The call ran past `WasmInvocation.timeout` and was stopped; the engine stays usable.
    case timeout
}
