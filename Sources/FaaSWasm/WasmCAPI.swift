#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Our own Swift declarations of the few parts of the standard wasm C API (`wasm.h`) we use.
// Layouts are LP64 and identical in libwasmer and libwasmtime (see WASM-NOTES.md).
// Every wasm object (engine, store, module, func, ...) is an opaque pointer.

/// The standard wasm C API functions, resolved with dlsym from one shared library.
/// Immutable after init; used from the thread that owns the engine.
final class WasmCAPI {
    typealias Ptr = OpaquePointer
    let libraryPath: String
    /// "wasmer" or "wasmtime" (or "wasm" for another implementation of the standard API).
    let engineName: String

    let engine_new: @convention(c) () -> Ptr?
    /// An engine tuned for many short-lived instances, when the library offers a way (nil: use
    /// `engine_new`). See `WasmEngineTuning`.
    let tunedEngineNew: (() -> Ptr?)?
    /// wasmtime's own API, when the library has it and `interface` allowed it: calls then run
    /// in wasmtime stores with a memory limiter and an epoch deadline (see `WasmInterface`).
    let wasmtime: WasmtimeCAPI?
    let engine_delete: @convention(c) (Ptr?) -> Void
    let store_new: @convention(c) (Ptr?) -> Ptr?
    let store_delete: @convention(c) (Ptr?) -> Void
    let byte_vec_delete: @convention(c) (UnsafeMutableRawPointer?) -> Void

    let module_new: @convention(c) (Ptr?, UnsafeRawPointer?) -> Ptr?
    let module_delete: @convention(c) (Ptr?) -> Void
    let module_validate: @convention(c) (Ptr?, UnsafeRawPointer?) -> Bool
    let module_imports: @convention(c) (Ptr?, UnsafeMutableRawPointer?) -> Void
    let module_exports: @convention(c) (Ptr?, UnsafeMutableRawPointer?) -> Void
    let module_serialize: @convention(c) (Ptr?, UnsafeMutableRawPointer?) -> Void
    let module_deserialize: @convention(c) (Ptr?, UnsafeRawPointer?) -> Ptr?

    let importtype_vec_delete: @convention(c) (UnsafeMutableRawPointer?) -> Void
    let importtype_module: @convention(c) (Ptr?) -> UnsafeRawPointer?
    let importtype_name: @convention(c) (Ptr?) -> UnsafeRawPointer?
    let importtype_type: @convention(c) (Ptr?) -> Ptr?
    let exporttype_vec_delete: @convention(c) (UnsafeMutableRawPointer?) -> Void
    let exporttype_name: @convention(c) (Ptr?) -> UnsafeRawPointer?
    let exporttype_type: @convention(c) (Ptr?) -> Ptr?

    let externtype_kind: @convention(c) (Ptr?) -> UInt8
    let externtype_as_functype_const: @convention(c) (Ptr?) -> Ptr?
    let externtype_as_memorytype_const: @convention(c) (Ptr?) -> Ptr?
    /// A borrowed `wasm_limits_t`: `{ uint32_t min; uint32_t max; }`.
    let memorytype_limits: @convention(c) (Ptr?) -> UnsafeRawPointer?
    let functype_params: @convention(c) (Ptr?) -> UnsafeRawPointer?
    let functype_results: @convention(c) (Ptr?) -> UnsafeRawPointer?
    let valtype_kind: @convention(c) (Ptr?) -> UInt8

    let func_new_with_env: @convention(c) (
        Ptr?, Ptr?, WasmHostCallback?, UnsafeMutableRawPointer?,
        (@convention(c) (UnsafeMutableRawPointer?) -> Void)?
    ) -> Ptr?
    let func_delete: @convention(c) (Ptr?) -> Void
    let func_as_extern: @convention(c) (Ptr?) -> Ptr?
    let func_call: @convention(c) (Ptr?, UnsafeRawPointer?, UnsafeMutableRawPointer?) -> Ptr?

    let instance_new: @convention(c) (Ptr?, Ptr?, UnsafeRawPointer?, UnsafeMutablePointer<Ptr?>?) -> Ptr?
    let instance_delete: @convention(c) (Ptr?) -> Void
    let instance_exports: @convention(c) (Ptr?, UnsafeMutableRawPointer?) -> Void
    let extern_vec_delete: @convention(c) (UnsafeMutableRawPointer?) -> Void
    let extern_kind: @convention(c) (Ptr?) -> UInt8
    let extern_as_func: @convention(c) (Ptr?) -> Ptr?
    let extern_as_memory: @convention(c) (Ptr?) -> Ptr?

    let memory_data: @convention(c) (Ptr?) -> UnsafeMutablePointer<UInt8>?
    let memory_data_size: @convention(c) (Ptr?) -> Int

    let trap_new: @convention(c) (Ptr?, UnsafeRawPointer?) -> Ptr?
    let trap_delete: @convention(c) (Ptr?) -> Void
    let trap_message: @convention(c) (Ptr?, UnsafeMutableRawPointer?) -> Void

    /// Where the project-local wheel puts the library (pip --target layout, scripts/setup-wasm.sh).
    static let wheelRelativePath = ".tools/wasmtime/wasmtime/linux-x86_64/_libwasmtime.so"

    /// Engine libraries looked for in `../lib/` beside the executable (an install such as
    /// /opt/minifaas/bin + /opt/minifaas/lib).
    static let installedNames = ["libwasmer.so", "libwasmtime.so"]

    /// Loads the library: `explicitPath` if given (`--wasm-library`), else `libwasmer.so`, else
    /// `libwasmtime.so` (both by name, through the loader's search path), else either of them
    /// in `../lib/` relative to the executable's folder, else the project-local wasmtime wheel
    /// found by walking up from the executable's folder.
    init(explicitPath: String?, pooling: Bool = true, interface: WasmInterface = .automatic) throws {
        var tried: [String] = []
        var handle: UnsafeMutableRawPointer?
        var path = ""
        func attempt(_ candidate: String) {
            guard handle == nil else { return }
            // RTLD_LOCAL: the engine's symbols stay out of the global namespace.
            if let h = dlopen(candidate, RTLD_NOW | RTLD_LOCAL) {
                handle = h
                path = candidate
            } else {
                let reason = dlerror().map { String(cString: $0) } ?? "unknown dlopen error"
                tried.append(reason)
            }
        }
        if let explicitPath, !explicitPath.isEmpty {
            // An explicit choice is final: falling back silently would hide a misconfiguration.
            attempt(explicitPath)
        } else {
            attempt("libwasmer.so")
            attempt("libwasmtime.so")
            let installed = WasmCAPI.installedBesideExecutable()
            for library in installed where handle == nil { attempt(library) }
            if installed.isEmpty { tried.append("no \(WasmCAPI.installedNames.joined(separator: " or ")) in ../lib beside \(WasmCAPI.executableDirectory() ?? "?")") }
            if handle == nil {
                if let wheel = WasmCAPI.findProjectWheel() {
                    attempt(wheel)
                } else {
                    tried.append("no \(WasmCAPI.wheelRelativePath) above \(WasmCAPI.executableDirectory() ?? "?")")
                }
            }
        }
        guard let handle else {
            throw WasmError.libraryUnavailable(
                "no wasm C API library could be loaded (set --wasm-library / FAAS_WASM_LIBRARY, install one in ../lib beside the executables, or run scripts/setup-wasm.sh): "
                    + tried.joined(separator: "; "))
        }
        libraryPath = path

        func sym<T>(_ name: String) throws -> T {
            guard let p = dlsym(handle, name) else {
                throw WasmError.libraryUnavailable("\(path) lacks the wasm C API symbol \(name)")
            }
            return unsafeBitCast(p, to: T.self)
        }
        if dlsym(handle, "wasmer_version") != nil {
            engineName = "wasmer"
        } else if dlsym(handle, "wasmtime_store_new") != nil {
            engineName = "wasmtime"
        } else {
            engineName = "wasm"
        }
        engine_new = try sym("wasm_engine_new")
        wasmtime = engineName == "wasmtime" && interface == .automatic ? WasmtimeCAPI.load(handle) : nil
        tunedEngineNew = WasmEngineTuning.engineFactory(library: handle, engineName: engineName, pooling: pooling,
                                                        epochInterruption: wasmtime != nil)
        engine_delete = try sym("wasm_engine_delete")
        store_new = try sym("wasm_store_new")
        store_delete = try sym("wasm_store_delete")
        byte_vec_delete = try sym("wasm_byte_vec_delete")
        module_new = try sym("wasm_module_new")
        module_delete = try sym("wasm_module_delete")
        module_validate = try sym("wasm_module_validate")
        module_imports = try sym("wasm_module_imports")
        module_exports = try sym("wasm_module_exports")
        module_serialize = try sym("wasm_module_serialize")
        module_deserialize = try sym("wasm_module_deserialize")
        importtype_vec_delete = try sym("wasm_importtype_vec_delete")
        importtype_module = try sym("wasm_importtype_module")
        importtype_name = try sym("wasm_importtype_name")
        importtype_type = try sym("wasm_importtype_type")
        exporttype_vec_delete = try sym("wasm_exporttype_vec_delete")
        exporttype_name = try sym("wasm_exporttype_name")
        exporttype_type = try sym("wasm_exporttype_type")
        externtype_kind = try sym("wasm_externtype_kind")
        externtype_as_functype_const = try sym("wasm_externtype_as_functype_const")
        externtype_as_memorytype_const = try sym("wasm_externtype_as_memorytype_const")
        memorytype_limits = try sym("wasm_memorytype_limits")
        functype_params = try sym("wasm_functype_params")
        functype_results = try sym("wasm_functype_results")
        valtype_kind = try sym("wasm_valtype_kind")
        func_new_with_env = try sym("wasm_func_new_with_env")
        func_delete = try sym("wasm_func_delete")
        func_as_extern = try sym("wasm_func_as_extern")
        func_call = try sym("wasm_func_call")
        instance_new = try sym("wasm_instance_new")
        instance_delete = try sym("wasm_instance_delete")
        instance_exports = try sym("wasm_instance_exports")
        extern_vec_delete = try sym("wasm_extern_vec_delete")
        extern_kind = try sym("wasm_extern_kind")
        extern_as_func = try sym("wasm_extern_as_func")
        extern_as_memory = try sym("wasm_extern_as_memory")
        memory_data = try sym("wasm_memory_data")
        memory_data_size = try sym("wasm_memory_data_size")
        trap_new = try sym("wasm_trap_new")
        trap_delete = try sym("wasm_trap_delete")
        trap_message = try sym("wasm_trap_message")
        // The handle is never dlclosed: engines register signal handlers and thread-locals
        // that must outlive every store, so the library stays for the life of the process.
    }

    /// The folder of the running executable (/proc/self/exe), or nil if unreadable.
    static func executableDirectory() -> String? {
        var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        guard n > 0 else { return nil }
        let exe = String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let slash = exe.lastIndex(of: "/") else { return nil }
        return String(exe[..<slash])
    }

    /// The engine libraries present in `../lib/` relative to the executable's folder.
    static func installedBesideExecutable() -> [String] {
        guard let directory = executableDirectory(), let slash = directory.lastIndex(of: "/") else { return [] }
        let lib = String(directory[..<slash]) + "/lib/"
        return installedNames.map { lib + $0 }.filter { access($0, R_OK) == 0 }
    }

    /// Walks up from the executable's folder looking for the wheel installed by setup-wasm.sh.
    static func findProjectWheel() -> String? {
        guard var dir = executableDirectory() else { return nil }
        while true {
            let candidate = (dir == "/" ? "" : dir) + "/" + wheelRelativePath
            if access(candidate, R_OK) == 0 { return candidate }
            guard dir != "/", let slash = dir.lastIndex(of: "/") else { return nil }
            dir = slash == dir.startIndex ? "/" : String(dir[..<slash])
        }
    }

    // MARK: small helpers

    /// Text of a borrowed `wasm_name_t`.
    static func string(_ vec: UnsafeRawPointer?) -> String {
        guard let v = vec?.load(as: WasmByteVec.self), let data = v.data, v.size > 0 else { return "" }
        return String(decoding: UnsafeBufferPointer(start: data, count: v.size), as: UTF8.self)
    }

    /// Kinds of a borrowed `wasm_valtype_vec_t`.
    func kinds(_ vec: UnsafeRawPointer?) -> [UInt8] {
        guard let v = vec?.load(as: WasmPtrVec.self) else { return [] }
        return (0..<v.size).map { valtype_kind(v[$0]) }
    }

    /// The message of a trap (not deleted here), without the C string terminator.
    func message(ofTrap trap: OpaquePointer) -> String {
        var msg = WasmByteVec()
        trap_message(trap, &msg)
        defer { byte_vec_delete(&msg) }
        guard let data = msg.data, msg.size > 0 else { return "trap" }
        var bytes = Array(UnsafeBufferPointer(start: data, count: msg.size))
        while bytes.last == 0 { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A new trap owned by the caller (the engine takes it when a host function returns it).
    func newTrap(store: OpaquePointer?, _ text: String) -> OpaquePointer? {
        // wasm_trap_new wants the NUL counted in the size.
        var bytes = Array(text.utf8)
        bytes.append(0)
        return bytes.withUnsafeMutableBufferPointer { buf in
            var vec = WasmByteVec(size: buf.count, data: buf.baseAddress)
            return trap_new(store, &vec)
        }
    }
}
