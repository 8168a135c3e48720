/// Exit codes of `faas-worker --precompile`, read by the gateway.
public enum WorkerExit {
    /// The module is valid and its prepared form is stored.
    public static let ok: Int32 = 0
    /// The module cannot run (invalid, or imports we do not provide).
    public static let rejected: Int32 = 1
    /// No wasm engine library could be loaded on this host.
    public static let noEngine: Int32 = 3
}
