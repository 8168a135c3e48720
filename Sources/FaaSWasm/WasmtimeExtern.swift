#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Room for a `wasmtime_extern_t`: `{ uint8_t kind; union (8-byte aligned) of; }`. The union's
/// members (func, memory, table, global) are at most 24 bytes in the versions we know; the
/// storage is larger so a wider future member cannot overrun it. Only `kind` is read here: the
/// union is handed back to the engine by address (`withUnion`).
struct WasmtimeExtern {
    // Eight words, as named fields: a tuple would cost a runtime metadata lookup per use.
    private var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0, w3: UInt64 = 0
    private var w4: UInt64 = 0, w5: UInt64 = 0, w6: UInt64 = 0, w7: UInt64 = 0

    static let function: UInt8 = 0
    static let memory: UInt8 = 3

    var kind: UInt8 { UInt8(truncatingIfNeeded: w0) }

    /// A pointer to the union (`wasmtime_func_t *`, `wasmtime_memory_t *`) for the engine.
    mutating func withUnion<R>(_ body: (UnsafeRawPointer) -> R) -> R {
        withUnsafeMutableBytes(of: &self) { body(UnsafeRawPointer($0.baseAddress! + 8)) }
    }

    mutating func withRawPointer<R>(_ body: (UnsafeMutableRawPointer) -> R) -> R {
        withUnsafeMutableBytes(of: &self) { body($0.baseAddress!) }
    }
}
