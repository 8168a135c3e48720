#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A `wasmtime_module_t` with its WASI imports resolved once into a `wasmtime_instance_pre_t`,
/// so each call only instantiates it in a fresh store.
final class WasmtimeLinkedModule {
    let wasmtime: WasmtimeCAPI
    let module: OpaquePointer
    /// nil when the imports cannot all be satisfied (the module then never runs).
    private(set) var pre: OpaquePointer?
    /// Why `pre` is nil, for the error message.
    private(set) var linkError: String?
    /// The linker's functions point at these (unretained): they live as long as `pre`.
    private var hostFunctions: [WasmtimeHostFunction] = []

    /// Takes ownership of `module`.
    init(wasmtime: WasmtimeCAPI, module: OpaquePointer) {
        self.wasmtime = wasmtime
        self.module = module
    }

    /// Defines the bindings in a linker for `engine` and prepares instantiation.
    func link(engine: OpaquePointer, bindings: [WasmImportBinding]) {
        guard let linker = wasmtime.linker_new(engine) else {
            linkError = "wasmtime_linker_new failed"
            return
        }
        defer { wasmtime.linker_delete(linker) }
        let moduleName = WasiHost.moduleName
        for binding in bindings {
            let function = WasmtimeHostFunction(binding: binding, wasmtime: wasmtime)
            hostFunctions.append(function)
            let error = moduleName.withCString { m in
                binding.name.withCString { n in
                    wasmtime.linker_define_func_unchecked(
                        linker, m, strlen(m), n, strlen(n), binding.functype,
                        { env, caller, values, count in
                            guard let env else { return nil }
                            return Unmanaged<WasmtimeHostFunction>.fromOpaque(env).takeUnretainedValue()
                                .call(caller: caller, values: values, count: count)
                        },
                        Unmanaged.passUnretained(function).toOpaque(), nil)
                }
            }
            if let error {
                linkError = wasmtime.consume(error: error)
                return
            }
        }
        var pre: OpaquePointer?
        if let error = wasmtime.linker_instantiate_pre(linker, module, &pre) {
            linkError = wasmtime.consume(error: error)
            return
        }
        self.pre = pre
    }

    deinit {
        if let pre { wasmtime.instance_pre_delete(pre) }
        wasmtime.module_delete(module)
    }
}
