#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Per-invocation state the host functions reach through their env pointer.
/// Lives (strongly held by `WasmEngine.run`) for exactly one store.
final class WasiContext {
    let api: WasmCAPI
    let store: OpaquePointer
    let args: [[UInt8]]
    let stdin: [UInt8]
    var stdinOffset = 0
    var stdout: [UInt8] = []
    var stderr: [UInt8] = []
    let outputCap: Int
    /// Set by proc_exit; the trap it returns is recognised through this, not its text.
    var exitCode: Int32?
    /// Set when stdout or stderr would pass the cap; the write traps.
    var outputExceeded = false
    /// The instance's exported memory (a borrowed extern), filled in after instantiation.
    var memory: OpaquePointer?

    init(api: WasmCAPI, store: OpaquePointer, programName: String, stdin: [UInt8], outputCap: Int) {
        self.api = api
        self.store = store
        self.args = [Array(programName.utf8)]
        self.stdin = stdin
        self.outputCap = outputCap
    }

    /// The guest memory as it is now (a memory.grow may have moved it since the last call).
    func guestMemory() throws -> GuestMemory {
        guard let memory, let base = api.memory_data(memory) else { throw WasiAbort.errno(WasiErrno.fault) }
        return GuestMemory(base: UnsafeMutableRawPointer(base), size: api.memory_data_size(memory))
    }
}
