#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `wasm_val_t`: `{ uint8_t kind; union { i32; i64; f32; f64; ref* } of; }`, 16 bytes with the
/// union at offset 8. The union is held as raw little-endian bits: i32/f32 live in the low half.
struct WasmVal {
    var kind: UInt8 = 0
    var bits: UInt64 = 0

    static let i32: UInt8 = 0
    static let i64: UInt8 = 1
    static let f32: UInt8 = 2
    static let f64: UInt8 = 3

    init() {}
    init(i32 v: Int32) { kind = WasmVal.i32; bits = UInt64(UInt32(bitPattern: v)) }
    init(i64 v: Int64) { kind = WasmVal.i64; bits = UInt64(bitPattern: v) }
    init(f32 v: Float) { kind = WasmVal.f32; bits = UInt64(v.bitPattern) }
    init(f64 v: Double) { kind = WasmVal.f64; bits = v.bitPattern }

    var asI32: Int32 { Int32(truncatingIfNeeded: bits) }
    var asI64: Int64 { Int64(bitPattern: bits) }
    var asF32: Float { Float(bitPattern: UInt32(truncatingIfNeeded: bits)) }
    var asF64: Double { Double(bitPattern: bits) }
}
