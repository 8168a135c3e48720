#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `wasmtime_instance_t`: `{ uint64_t store_id; size_t __private; }`.
struct WasmtimeInstance {
    var storeID: UInt64 = 0
    var `private`: Int = 0
}
