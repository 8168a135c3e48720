#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One WASI import defined in a wasmtime linker: `call` turns wasmtime's raw values into the
/// `wasm_val_vec_t` our host functions take, and finds the call's `WasiContext` in the store's
/// data, so the same host functions serve both APIs.
final class WasmtimeHostFunction {
    let binding: WasmImportBinding
    let wasmtime: WasmtimeCAPI

    init(binding: WasmImportBinding, wasmtime: WasmtimeCAPI) {
        self.binding = binding
        self.wasmtime = wasmtime
    }

    /// `values` holds `max(params, results)` 16-byte `wasmtime_val_raw_t`: the arguments in,
    /// the results out. Integers and floats sit little-endian at the start of each value.
    func call(caller: OpaquePointer?, values: UnsafeMutableRawPointer?, count: Int) -> OpaquePointer? {
        let params = binding.params, results = binding.results
        guard count >= max(params.count, results.count), params.isEmpty && results.isEmpty || values != nil else {
            return wasmtime.newTrap("host function \(binding.name): engine passed \(count) values")
        }
        let env = wasmtime.context_get_data(wasmtime.caller_context(caller))
        return withUnsafeTemporaryAllocation(of: WasmVal.self, capacity: max(1, params.count + results.count)) { vals in
            for (i, kind) in params.enumerated() {
                var v = WasmVal()
                v.kind = kind
                v.bits = UInt64(littleEndian: values!.loadUnaligned(fromByteOffset: 16 * i, as: UInt64.self))
                vals.initializeElement(at: i, to: v)
            }
            for (i, kind) in results.enumerated() {
                var v = WasmVal()
                v.kind = kind
                vals.initializeElement(at: params.count + i, to: v)
            }
            var args = WasmValVec(size: params.count, data: vals.baseAddress)
            var res = WasmValVec(size: results.count, data: vals.baseAddress.map { $0 + params.count })
            let trap = withUnsafeMutablePointer(to: &args) { a in
                withUnsafeMutablePointer(to: &res) { r in binding.callback(env, UnsafeRawPointer(a), UnsafeMutableRawPointer(r)) }
            }
            if trap == nil {
                for i in results.indices {
                    values!.storeBytes(of: vals[params.count + i].bits.littleEndian, toByteOffset: 16 * i, as: UInt64.self)
                }
            }
            return trap
        }
    }
}
