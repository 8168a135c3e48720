/// A compiled module in the API that runs it.
enum WasmCompiledModule {
    /// A `wasm_module_t` (owned by the `WasmModule`), run through the standard API.
    case standard(OpaquePointer)
    /// A `wasmtime_module_t` linked to the WASI host, run through wasmtime's API.
    case wasmtime(WasmtimeLinkedModule)
}
