import FaaSStore

/// One call of a module.
public struct WasmInvocation: Sendable {
    public enum Mode: Sendable, Equatable {
        /// A WASI command: `_start` is called with the payload on stdin; stdout is the output.
        case command
        /// The named exported function is called with numeric arguments parsed from the payload
        /// (`2 3`, `2,3` or `[2,3]`); its results, as text, are the output.
        case export(name: String)

        /// How a stored function is built and called: `export` calls its entrypoint; `command`
        /// (and `handler`, which no wasm function has) runs `_start`.
        public init(_ mode: FunctionMode, entrypoint: String) {
            self = mode == .export ? .export(name: entrypoint) : .command
        }
    }

    public var mode: Mode
    /// argv[0] seen by the program.
    public var programName: String
    /// The environment the module sees through WASI's environ_get (the function's `env`).
    public var environment: [String: String] = [:]
    /// The payload: stdin in command mode, the argument text in export mode.
    public var stdin: [UInt8]
    /// Cap in bytes on stdout and on stderr, each; more is a failure (`.outputTooLarge`).
    public var outputCap: Int
    /// Linear memory the instance may use, in bytes (nil: no limit beyond the engine's).
    /// With wasmtime's API a `memory.grow` past it fails inside the call; with the standard API
    /// the size is checked after the call.
    public var memoryLimit: Int? = nil
    /// Seconds the call may run (nil: no limit here). With wasmtime's API the call traps when
    /// they are up (`.timeout`); with the standard API only waits in WASI functions are cut
    /// short, and the caller must stop a call that runs on (kill its process).
    public var timeout: Double? = nil

    public init(mode: Mode, programName: String, stdin: [UInt8], outputCap: Int = 1 << 20) {
        self.mode = mode
        self.programName = programName
        self.stdin = stdin
        self.outputCap = outputCap
    }
}
