#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Per-invocation state the host functions reach through their env pointer (standard API) or
/// their store's data (wasmtime's API). Lives (strongly held by `WasmEngine.run`) for exactly
/// one store.
final class WasiContext {
    let api: WasmCAPI
    /// Where host functions create their traps: the standard store, or wasmtime's API.
    let traps: WasiTrapMaker
    let args: [[UInt8]]
    /// `NAME=VALUE` strings for environ_get (the function's `env`).
    let environment: [[UInt8]]
    let stdin: [UInt8]
    var stdinOffset = 0
    var stdout: [UInt8] = []
    var stderr: [UInt8] = []
    let outputCap: Int
    /// CLOCK_MONOTONIC nanoseconds at which the call's time is up (nil: no limit here). Host
    /// functions that wait (poll_oneoff) wait no longer than this, then stop the call.
    let deadline: UInt64?
    /// Set by proc_exit; the trap it returns is recognised through this, not its text.
    var exitCode: Int32?
    /// Set when stdout or stderr would pass the cap; the write traps.
    var outputExceeded = false
    /// Set when a host function stopped the call because its deadline passed.
    var timedOut = false
    /// The instance's exported memory, filled in after instantiation.
    var memory: WasiMemorySource?

    init(api: WasmCAPI, traps: WasiTrapMaker, programName: String, environment: [String: String] = [:], stdin: [UInt8], outputCap: Int,
         deadline: UInt64?) {
        self.api = api
        self.traps = traps
        self.args = [Array(programName.utf8)]
        self.environment = environment.sorted { $0.key < $1.key }.map { Array("\($0.key)=\($0.value)".utf8) }
        self.stdin = stdin
        self.outputCap = outputCap
        self.deadline = deadline
    }

    /// The guest memory as it is now (a memory.grow may have moved it since the last call).
    func guestMemory() throws -> GuestMemory {
        switch memory {
        case .standard(let memory):
            guard let base = api.memory_data(memory) else { throw WasiAbort.errno(WasiErrno.fault) }
            return GuestMemory(base: UnsafeMutableRawPointer(base), size: api.memory_data_size(memory))
        case .wasmtime(let wasmtime, let context, var memory):
            let (data, size) = memory.withUnion { (wasmtime.memory_data(context, $0), wasmtime.memory_data_size(context, $0)) }
            guard let data else { throw WasiAbort.errno(WasiErrno.fault) }
            return GuestMemory(base: UnsafeMutableRawPointer(data), size: size)
        case nil:
            throw WasiAbort.errno(WasiErrno.fault)
        }
    }

    /// The size of the guest memory in bytes (0 before instantiation).
    var memorySize: Int { (try? guestMemory().size) ?? 0 }

    /// A trap for a host function to return (the engine takes it).
    func newTrap(_ message: String) -> OpaquePointer? {
        switch traps {
        case .standard(let store): return api.newTrap(store: store, message)
        case .wasmtime(let wasmtime): return wasmtime.newTrap(message)
        }
    }

    /// Now on CLOCK_MONOTONIC, in nanoseconds.
    static func monotonicNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }
}
