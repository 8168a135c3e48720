#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Thrown inside a host function: either an errno to return or a trap that ends the call.
enum WasiAbort: Error {
    case errno(Int32)
    case trap(String)
}
