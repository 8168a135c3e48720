#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How one import of a module is satisfied, decided once per module.
struct WasmImportBinding {
    /// The import's field name (its module is always `WasiHost.moduleName`).
    let name: String
    /// The import's functype, borrowed from the module's import vector (kept alive with it).
    let functype: OpaquePointer
    /// Value kinds of its parameters and results (`WasmVal.i32`, ...).
    let params: [UInt8]
    let results: [UInt8]
    let callback: WasmHostCallback
}
