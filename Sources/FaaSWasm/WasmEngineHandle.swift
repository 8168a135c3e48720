import Foundation

/// Owns the `wasm_engine_t` plus one store used only to compile and deserialize modules
/// (modules belong to the engine; the standard API just asks for a store to reach it).
/// Modules hold a reference to it, so the engine outlives every module made from it.
final class WasmEngineHandle {
    let api: WasmCAPI
    let engine: OpaquePointer
    let compileStore: OpaquePointer

    init(api: WasmCAPI) throws {
        self.api = api
        guard let engine = api.tunedEngineNew?() ?? api.engine_new() else {
            throw WasmError.engineFailed("wasm_engine_new failed in \(api.libraryPath)")
        }
        guard let store = api.store_new(engine) else {
            api.engine_delete(engine)
            throw WasmError.engineFailed("wasm_store_new failed in \(api.libraryPath)")
        }
        self.engine = engine
        self.compileStore = store
    }

    deinit {
        api.store_delete(compileStore)
        api.engine_delete(engine)
    }
}
