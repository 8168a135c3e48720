#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Extern kinds (`wasm_externkind_t`).
enum WasmExternKind {
    static let function: UInt8 = 0
    static let global: UInt8 = 1
    static let table: UInt8 = 2
    static let memory: UInt8 = 3
}

/// `wasm_func_callback_with_env_t`. The vectors are `wasm_val_vec_t` (`WasmValVec`), typed
/// as raw pointers because @convention(c) cannot mention Swift structs.
typealias WasmHostCallback = @convention(c) (
    UnsafeMutableRawPointer?, UnsafeRawPointer?, UnsafeMutableRawPointer?
) -> OpaquePointer?
