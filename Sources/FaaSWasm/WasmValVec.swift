#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `wasm_val_vec_t`: `{ size_t size; wasm_val_t *data; }`.
struct WasmValVec {
    var size: Int = 0
    var data: UnsafeMutablePointer<WasmVal>? = nil
}
