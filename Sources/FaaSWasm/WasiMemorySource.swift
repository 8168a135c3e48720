#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How host functions reach an instance's exported linear memory.
enum WasiMemorySource {
    /// A `wasm_memory_t` (borrowed from the instance's export vector).
    case standard(OpaquePointer)
    /// A `wasmtime_memory_t` of the store whose context is given.
    case wasmtime(WasmtimeCAPI, context: OpaquePointer, memory: WasmtimeExtern)
}
