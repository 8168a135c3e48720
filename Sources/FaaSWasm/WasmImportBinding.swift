#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How one import of a module is satisfied, decided once per module.
struct WasmImportBinding {
    /// The import's functype, borrowed from the module's import vector (kept alive with it).
    let functype: OpaquePointer
    let callback: WasmHostCallback
}
