#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Bounds-checked little-endian access to guest memory; out of range throws EFAULT.
struct GuestMemory {
    let base: UnsafeMutableRawPointer
    let size: Int

    /// Raw bytes [ptr, ptr+len) of guest memory. Int is 64-bit, so ptr + len cannot overflow
    /// for the 32-bit pointers and lengths wasm32 passes.
    func bytes(_ ptr: UInt32, _ len: Int) throws -> UnsafeMutableRawBufferPointer {
        guard len >= 0, Int(ptr) + len <= size else { throw WasiAbort.errno(WasiErrno.fault) }
        return UnsafeMutableRawBufferPointer(start: base + Int(ptr), count: len)
    }
    func loadU32(_ ptr: UInt32) throws -> UInt32 {
        UInt32(littleEndian: try bytes(ptr, 4).loadUnaligned(as: UInt32.self))
    }
    func loadU64(_ ptr: UInt32) throws -> UInt64 {
        UInt64(littleEndian: try bytes(ptr, 8).loadUnaligned(as: UInt64.self))
    }
    func loadU16(_ ptr: UInt32) throws -> UInt16 {
        UInt16(littleEndian: try bytes(ptr, 2).loadUnaligned(as: UInt16.self))
    }
    func loadU8(_ ptr: UInt32) throws -> UInt8 { try bytes(ptr, 1)[0] }
    func store(_ ptr: UInt32, u32 v: UInt32) throws {
        try bytes(ptr, 4).storeBytes(of: v.littleEndian, toByteOffset: 0, as: UInt32.self)
    }
    func store(_ ptr: UInt32, u64 v: UInt64) throws {
        try bytes(ptr, 8).storeBytes(of: v.littleEndian, toByteOffset: 0, as: UInt64.self)
    }
    func store(_ ptr: UInt32, u16 v: UInt16) throws {
        try bytes(ptr, 2).storeBytes(of: v.littleEndian, toByteOffset: 0, as: UInt16.self)
    }
    func store(_ ptr: UInt32, u8 v: UInt8) throws { try bytes(ptr, 1)[0] = v }
    func copyIn(_ ptr: UInt32, _ src: ArraySlice<UInt8>) throws {
        let dst = try bytes(ptr, src.count)
        src.withUnsafeBytes { dst.copyMemory(from: $0) }
    }
}
