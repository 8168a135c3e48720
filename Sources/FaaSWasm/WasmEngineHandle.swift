import Foundation

/// Owns the `wasm_engine_t` plus one store used only to compile and deserialize modules
/// (modules belong to the engine; the standard API just asks for a store to reach it), and,
/// with wasmtime's own API, the thread that advances the engine's epoch.
/// Modules hold a reference to it, so the engine outlives every module made from it.
final class WasmEngineHandle {
    let api: WasmCAPI
    let engine: OpaquePointer
    let compileStore: OpaquePointer
    /// Advances the engine's epoch while calls with a deadline run (wasmtime's API only).
    let ticker: EpochTicker?

    init(api: WasmCAPI) throws {
        self.api = api
        guard let engine = api.tunedEngineNew?() ?? api.engine_new() else {
            throw WasmError.engineFailed("wasm_engine_new failed in \(api.libraryPath)")
        }
        guard let store = api.store_new(engine) else {
            api.engine_delete(engine)
            throw WasmError.engineFailed("wasm_store_new failed in \(api.libraryPath)")
        }
        do {
            ticker = try api.wasmtime.map { try EpochTicker(engine: engine, increment: $0.engine_increment_epoch) }
        } catch {
            api.store_delete(store)
            api.engine_delete(engine)
            throw error
        }
        self.engine = engine
        self.compileStore = store
    }

    deinit {
        ticker?.stop()
        api.store_delete(compileStore)
        api.engine_delete(engine)
    }
}
