import Foundation

/// A compiled module plus what was worked out once about it: how each import is satisfied
/// and where the interesting exports are. Cache these; instances are never reused.
public final class WasmModule {
    let handle: WasmEngineHandle
    /// The compiled module, in the API that runs it.
    let compiled: WasmCompiledModule
    /// Owned import types; `bindings` borrow their functypes, so this lives as long as we do.
    private var importTypes: WasmPtrVec
    let bindings: [WasmImportBinding]
    /// Imports we cannot satisfy ("env.foo (only wasi_snapshot_preview1 imports are provided)").
    /// Non-empty means every run fails with `.instantiation`; deploy code may reject early.
    public let unsupportedImports: [String]
    /// Export names, in the module's (and so the instance's) export order.
    public let exportNames: [String]
    let exportKinds: [UInt8]
    /// Param and result kinds of function exports, by export index.
    let exportSignatures: [Int: (params: [UInt8], results: [UInt8])]
    let memoryIndex: Int?
    /// The exported memory's initial size in bytes (0 without one): a module that starts
    /// above a call's memory limit fails before it runs.
    let initialMemoryBytes: Int

    init(handle: WasmEngineHandle, compiled: WasmCompiledModule) {
        let api = handle.api
        self.handle = handle
        self.compiled = compiled
        var imports = WasmPtrVec()
        switch compiled {
        case .standard(let raw): api.module_imports(raw, &imports)
        case .wasmtime(let linked): linked.wasmtime.module_imports(linked.module, &imports)
        }
        importTypes = imports
        let bound = WasiHost.bind(imports: imports, api: api)
        bindings = bound.bindings
        unsupportedImports = bound.problems
        if case .wasmtime(let linked) = compiled {
            linked.link(engine: handle.engine, bindings: bound.bindings)
        }

        var exports = WasmPtrVec()
        switch compiled {
        case .standard(let raw): api.module_exports(raw, &exports)
        case .wasmtime(let linked): linked.wasmtime.module_exports(linked.module, &exports)
        }
        defer { api.exporttype_vec_delete(&exports) }
        var names: [String] = []
        var kinds: [UInt8] = []
        var sigs: [Int: (params: [UInt8], results: [UInt8])] = [:]
        var memory: Int?
        var initialMemory = 0
        for i in 0..<exports.size {
            let e = exports[i]
            let type = api.exporttype_type(e)
            let kind = api.externtype_kind(type)
            names.append(WasmCAPI.string(api.exporttype_name(e)))
            kinds.append(kind)
            if kind == WasmExternKind.function, let ft = api.externtype_as_functype_const(type) {
                sigs[i] = (api.kinds(api.functype_params(ft)), api.kinds(api.functype_results(ft)))
            } else if kind == WasmExternKind.memory, names[i] == "memory" || memory == nil {
                memory = i
                if let mt = api.externtype_as_memorytype_const(type), let limits = api.memorytype_limits(mt) {
                    // wasm_limits_t: { uint32_t min; uint32_t max; }, in 64 KiB pages.
                    initialMemory = Int(limits.load(as: UInt32.self)) << 16
                }
            }
        }
        exportNames = names
        exportKinds = kinds
        exportSignatures = sigs
        memoryIndex = memory
        initialMemoryBytes = initialMemory
    }

    deinit {
        handle.api.importtype_vec_delete(&importTypes)
        // A wasmtime module is deleted with its `WasmtimeLinkedModule`.
        if case .standard(let raw) = compiled { handle.api.module_delete(raw) }
    }

    /// True if the module is a WASI command (exports `_start`).
    public var hasCommandEntry: Bool { functionIndex("_start") != nil }

    func functionIndex(_ name: String) -> Int? {
        guard let i = exportNames.firstIndex(of: name), exportKinds[i] == WasmExternKind.function else { return nil }
        return i
    }
}
