#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `wasm_byte_vec_t` / `wasm_name_t` / `wasm_message_t`: `{ size_t size; byte_t *data; }`.
struct WasmByteVec {
    var size: Int = 0
    var data: UnsafeMutablePointer<UInt8>? = nil
}
