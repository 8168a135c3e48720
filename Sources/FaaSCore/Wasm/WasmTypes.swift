/// Errors thrown while loading the engine or preparing modules. Invocation failures are not
/// thrown: they come back as `WasmOutcome.failure`.
public enum WasmError: Error, CustomStringConvertible, Equatable, Sendable {
    /// No usable wasm C API library (callers answer 503).
    case libraryUnavailable(String)
    /// The bytes are not a valid module for this engine (a deploy-time 4xx).
    case invalidModule(String)
    /// A serialized module could not be loaded (stale cache, other engine version): recompile.
    case deserializeFailed(String)
    /// The engine itself could not be created.
    case engineFailed(String)

    public var description: String {
        switch self {
        case .libraryUnavailable(let m): return "wasm engine unavailable: \(m)"
        case .invalidModule(let m): return "invalid wasm module: \(m)"
        case .deserializeFailed(let m): return "cannot load serialized wasm module: \(m)"
        case .engineFailed(let m): return "wasm engine error: \(m)"
        }
    }
}

/// One call of a module.
public struct WasmInvocation: Sendable {
    public enum Mode: Sendable, Equatable {
        /// A WASI command: `_start` is called with the payload on stdin; stdout is the output.
        case command
        /// The named exported function is called with numeric arguments parsed from the payload
        /// (`2 3`, `2,3` or `[2,3]`); its results, as text, are the output.
        case export(name: String)
    }

    public var mode: Mode
    /// argv[0] seen by the program.
    public var programName: String
    /// The payload: stdin in command mode, the argument text in export mode.
    public var stdin: [UInt8]
    /// Cap in bytes on stdout and on stderr, each; more is a failure (`.outputTooLarge`).
    public var outputCap: Int
    /// Linear memory the instance may use, in bytes (nil: no limit beyond the engine's).
    public var memoryLimit: Int? = nil

    public init(mode: Mode, programName: String, stdin: [UInt8], outputCap: Int = 1 << 20) {
        self.mode = mode
        self.programName = programName
        self.stdin = stdin
        self.outputCap = outputCap
    }
}

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
    /// The instance's linear memory outgrew `WasmInvocation.memoryLimit`.
    case memoryLimit
}

/// The result of `WasmEngine.run`.
public enum WasmOutcome: Sendable, Equatable {
    /// Command mode: the program's stdout. Export mode: the results as text.
    case success(output: [UInt8])
    /// `error` is a one-line message for the user ("exit status 3", the trap message, ...);
    /// `stderr` is what the program wrote to stderr before failing.
    case failure(error: String, stderr: [UInt8], kind: WasmFailureKind)

    public var isSuccess: Bool {
        if case .success = self { return true }
        return false
    }

    /// The error message for a failure, nil on success.
    public var errorMessage: String? {
        if case .failure(let error, _, _) = self { return error }
        return nil
    }
}
