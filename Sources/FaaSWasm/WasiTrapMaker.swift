#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Which API creates the traps host functions return.
enum WasiTrapMaker {
    /// `wasm_trap_new` on this standard store.
    case standard(OpaquePointer)
    /// `wasmtime_trap_new` (no store needed).
    case wasmtime(WasmtimeCAPI)
}
