/// Which C API of the engine library runs the calls.
public enum WasmInterface: Sendable, Equatable {
    /// wasmtime's own API when the loaded library has it: each call's store has a memory limiter
    /// (`memory.grow` past the limit fails inside the call) and an epoch deadline (a call past
    /// its time traps and the worker lives on); the standard API otherwise.
    case automatic
    /// Only the standard `wasm.h` API, as with any other engine: memory is checked after the
    /// call and a call past its time is stopped by killing the process that runs it.
    case standard
}
