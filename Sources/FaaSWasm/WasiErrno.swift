#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// WASI errno values we return.
enum WasiErrno {
    static let success: Int32 = 0
    static let badf: Int32 = 8
    static let fault: Int32 = 21
    static let inval: Int32 = 28
    static let nosys: Int32 = 52
    static let spipe: Int32 = 70
}
