

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
