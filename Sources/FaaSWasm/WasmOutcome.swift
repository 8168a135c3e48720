
/// The result of `WasmEngine.run`.
public enum WasmOutcome: Sendable, Equatable {
    /// Command mode: the program's stdout. Export mode: the results as text. `stderr`: what the
    /// program wrote to fd 2 (its log, never its output).
    case success(output: [UInt8], stderr: [UInt8])
    /// `error` is a one-line message for the user ("exit status 3", the trap message, ...);
    /// `stderr` is what the program wrote to stderr before failing.
    case failure(error: String, stderr: [UInt8], kind: WasmFailureKind)

    public var isSuccess: Bool {
        if case .success = self { return true }
        return false
    }
}
