#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Our own Swift declarations of the part of wasmtime's own C API (`wasmtime/*.h`) that lets a
// call be bounded while it runs: stores with a resource limiter and an epoch deadline, which
// the standard `wasm.h` store cannot have. Objects stay opaque pointers; the few structs passed
// by address (`wasmtime_instance_t`, `wasmtime_extern_t`) are `WasmtimeInstance` and
// `WasmtimeExtern`; values cross as `wasmtime_val_raw_t` (16 bytes, little-endian).

/// wasmtime's own C API, resolved with dlsym from the already opened library. `load` answers
/// nil when any symbol is missing: the engine then keeps to the standard API.
final class WasmtimeCAPI {
    typealias Ptr = OpaquePointer
    typealias Raw = UnsafeMutableRawPointer

    /// `wasmtime_func_unchecked_callback_t`: (env, caller, args_and_results, count) -> trap.
    typealias UncheckedCallback = @convention(c) (Raw?, Ptr?, Raw?, Int) -> Ptr?

    let store_new: @convention(c) (Ptr?, Raw?, (@convention(c) (Raw?) -> Void)?) -> Ptr?
    let store_context: @convention(c) (Ptr?) -> Ptr?
    let store_delete: @convention(c) (Ptr?) -> Void
    /// (store, memory_size, table_elements, instances, tables, memories); negative: default.
    let store_limiter: @convention(c) (Ptr?, Int64, Int64, Int64, Int64, Int64) -> Void
    let context_set_epoch_deadline: @convention(c) (Ptr?, UInt64) -> Void
    let context_get_data: @convention(c) (Ptr?) -> Raw?
    let caller_context: @convention(c) (Ptr?) -> Ptr?
    let engine_increment_epoch: @convention(c) (Ptr?) -> Void
    let config_epoch_interruption_set: @convention(c) (Ptr?, Bool) -> Void

    let module_new: @convention(c) (Ptr?, UnsafePointer<UInt8>?, Int, UnsafeMutablePointer<Ptr?>?) -> Ptr?
    let module_deserialize: @convention(c) (Ptr?, UnsafePointer<UInt8>?, Int, UnsafeMutablePointer<Ptr?>?) -> Ptr?
    let module_serialize: @convention(c) (Ptr?, UnsafeMutableRawPointer?) -> Ptr?
    let module_delete: @convention(c) (Ptr?) -> Void
    let module_imports: @convention(c) (Ptr?, UnsafeMutableRawPointer?) -> Void
    let module_exports: @convention(c) (Ptr?, UnsafeMutableRawPointer?) -> Void

    let linker_new: @convention(c) (Ptr?) -> Ptr?
    let linker_delete: @convention(c) (Ptr?) -> Void
    let linker_define_func_unchecked: @convention(c) (
        Ptr?, UnsafePointer<CChar>?, Int, UnsafePointer<CChar>?, Int, Ptr?, UncheckedCallback?, Raw?,
        (@convention(c) (Raw?) -> Void)?
    ) -> Ptr?
    let linker_instantiate_pre: @convention(c) (Ptr?, Ptr?, UnsafeMutablePointer<Ptr?>?) -> Ptr?
    let instance_pre_instantiate: @convention(c) (Ptr?, Ptr?, UnsafeMutableRawPointer?, UnsafeMutablePointer<Ptr?>?) -> Ptr?
    let instance_pre_delete: @convention(c) (Ptr?) -> Void
    /// (context, &instance, index, &name, &name_len, &extern) -> found.
    let instance_export_nth: @convention(c) (
        Ptr?, UnsafeRawPointer?, Int, UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, UnsafeMutablePointer<Int>?,
        UnsafeMutableRawPointer?
    ) -> Bool
    /// (context, &func, args_and_results, count, &trap) -> error.
    let func_call_unchecked: @convention(c) (Ptr?, UnsafeRawPointer?, UnsafeMutableRawPointer?, Int, UnsafeMutablePointer<Ptr?>?) -> Ptr?
    let memory_data: @convention(c) (Ptr?, UnsafeRawPointer?) -> UnsafeMutablePointer<UInt8>?
    let memory_data_size: @convention(c) (Ptr?, UnsafeRawPointer?) -> Int

    let trap_new: @convention(c) (UnsafePointer<CChar>?, Int) -> Ptr?
    let trap_code: @convention(c) (Ptr?, UnsafeMutablePointer<UInt8>?) -> Bool
    let error_message: @convention(c) (Ptr?, UnsafeMutableRawPointer?) -> Void
    let error_delete: @convention(c) (Ptr?) -> Void
    let byte_vec_delete: @convention(c) (UnsafeMutableRawPointer?) -> Void

    /// `WASMTIME_TRAP_CODE_INTERRUPT`: the epoch deadline passed.
    static let trapCodeInterrupt: UInt8 = 10

    private init(_ library: UnsafeMutableRawPointer) throws {
        func sym<T>(_ name: String) throws -> T {
            guard let p = dlsym(library, name) else { throw WasmError.libraryUnavailable(name) }
            return unsafeBitCast(p, to: T.self)
        }
        store_new = try sym("wasmtime_store_new")
        store_context = try sym("wasmtime_store_context")
        store_delete = try sym("wasmtime_store_delete")
        store_limiter = try sym("wasmtime_store_limiter")
        context_set_epoch_deadline = try sym("wasmtime_context_set_epoch_deadline")
        context_get_data = try sym("wasmtime_context_get_data")
        caller_context = try sym("wasmtime_caller_context")
        engine_increment_epoch = try sym("wasmtime_engine_increment_epoch")
        config_epoch_interruption_set = try sym("wasmtime_config_epoch_interruption_set")
        module_new = try sym("wasmtime_module_new")
        module_deserialize = try sym("wasmtime_module_deserialize")
        module_serialize = try sym("wasmtime_module_serialize")
        module_delete = try sym("wasmtime_module_delete")
        module_imports = try sym("wasmtime_module_imports")
        module_exports = try sym("wasmtime_module_exports")
        linker_new = try sym("wasmtime_linker_new")
        linker_delete = try sym("wasmtime_linker_delete")
        linker_define_func_unchecked = try sym("wasmtime_linker_define_func_unchecked")
        linker_instantiate_pre = try sym("wasmtime_linker_instantiate_pre")
        instance_pre_instantiate = try sym("wasmtime_instance_pre_instantiate")
        instance_pre_delete = try sym("wasmtime_instance_pre_delete")
        instance_export_nth = try sym("wasmtime_instance_export_nth")
        func_call_unchecked = try sym("wasmtime_func_call_unchecked")
        memory_data = try sym("wasmtime_memory_data")
        memory_data_size = try sym("wasmtime_memory_data_size")
        trap_new = try sym("wasmtime_trap_new")
        trap_code = try sym("wasmtime_trap_code")
        error_message = try sym("wasmtime_error_message")
        error_delete = try sym("wasmtime_error_delete")
        byte_vec_delete = try sym("wasm_byte_vec_delete")
    }

    /// The API if the library has every symbol we use, else nil (another engine, an older
    /// wasmtime): callers fall back to the standard API.
    static func load(_ library: UnsafeMutableRawPointer) -> WasmtimeCAPI? {
        try? WasmtimeCAPI(library)
    }

    /// The message of a `wasmtime_error_t`, which is deleted.
    func consume(error: Ptr) -> String {
        var msg = WasmByteVec()
        error_message(error, &msg)
        defer {
            byte_vec_delete(&msg)
            error_delete(error)
        }
        guard let data = msg.data, msg.size > 0 else { return "error" }
        return String(decoding: UnsafeBufferPointer(start: data, count: msg.size), as: UTF8.self)
    }

    /// A trap owned by the caller (the engine takes it when a host function returns it).
    func newTrap(_ text: String) -> Ptr? {
        var bytes = Array(text.utf8CString)
        return bytes.withUnsafeMutableBufferPointer { trap_new($0.baseAddress, $0.count - 1) }
    }
}
