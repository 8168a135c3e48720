#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Every vector of object pointers (`wasm_importtype_vec_t`, `wasm_extern_vec_t`,
/// `wasm_valtype_vec_t`, ...): `{ size_t size; T **data; }`.
struct WasmPtrVec {
    var size: Int = 0
    var data: UnsafeMutablePointer<OpaquePointer?>? = nil

    subscript(i: Int) -> OpaquePointer? {
        guard i >= 0, i < size, let data else { return nil }
        return data[i]
    }
}
