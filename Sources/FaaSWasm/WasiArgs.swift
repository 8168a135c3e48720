#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The arguments of a host call. Signatures are checked at bind time; the bounds check here
/// only keeps a misbehaving engine from making us read past the vector.
struct WasiArgs {
    let vec: WasmValVec
    subscript(i: Int) -> WasmVal {
        guard i >= 0, i < vec.size, let data = vec.data else { return WasmVal() }
        return data[i]
    }
}
