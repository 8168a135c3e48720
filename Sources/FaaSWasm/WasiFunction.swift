#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The WASI functions we implement, with the exact signatures the spec gives them.
enum WasiFunction: CaseIterable {
    case argsGet, argsSizesGet, environGet, environSizesGet
    case fdRead, fdWrite, fdFdstatGet, fdSeek, fdClose, fdPrestatGet, fdPrestatDirName
    case clockTimeGet, clockResGet, randomGet, schedYield, pollOneoff, procExit

    private static let i32 = WasmVal.i32
    private static let i64 = WasmVal.i64

    var name: String {
        switch self {
        case .argsGet: return "args_get"
        case .argsSizesGet: return "args_sizes_get"
        case .environGet: return "environ_get"
        case .environSizesGet: return "environ_sizes_get"
        case .fdRead: return "fd_read"
        case .fdWrite: return "fd_write"
        case .fdFdstatGet: return "fd_fdstat_get"
        case .fdSeek: return "fd_seek"
        case .fdClose: return "fd_close"
        case .fdPrestatGet: return "fd_prestat_get"
        case .fdPrestatDirName: return "fd_prestat_dir_name"
        case .clockTimeGet: return "clock_time_get"
        case .clockResGet: return "clock_res_get"
        case .randomGet: return "random_get"
        case .schedYield: return "sched_yield"
        case .pollOneoff: return "poll_oneoff"
        case .procExit: return "proc_exit"
        }
    }

    var params: [UInt8] {
        let i32 = WasiFunction.i32, i64 = WasiFunction.i64
        switch self {
        case .argsGet, .argsSizesGet, .environGet, .environSizesGet, .fdFdstatGet, .fdPrestatGet,
            .clockResGet, .randomGet:
            return [i32, i32]
        case .fdRead, .fdWrite, .pollOneoff: return [i32, i32, i32, i32]
        case .fdSeek: return [i32, i64, i32, i32]
        case .fdClose, .procExit: return [i32]
        case .fdPrestatDirName: return [i32, i32, i32]
        case .clockTimeGet: return [i32, i64, i32]
        case .schedYield: return []
        }
    }

    var results: [UInt8] { self == .procExit ? [] : [WasiFunction.i32] }

    static let byName: [String: WasiFunction] = {
        var m: [String: WasiFunction] = [:]
        for f in WasiFunction.allCases { m[f.name] = f }
        return m
    }()

    /// A C callback per function: the env pointer carries only the context, so the function
    /// identity is baked into each (non-capturing) closure.
    var callback: WasmHostCallback {
        switch self {
        case .argsGet: return { WasiHost.dispatch(.argsGet, $0, $1, $2) }
        case .argsSizesGet: return { WasiHost.dispatch(.argsSizesGet, $0, $1, $2) }
        case .environGet: return { WasiHost.dispatch(.environGet, $0, $1, $2) }
        case .environSizesGet: return { WasiHost.dispatch(.environSizesGet, $0, $1, $2) }
        case .fdRead: return { WasiHost.dispatch(.fdRead, $0, $1, $2) }
        case .fdWrite: return { WasiHost.dispatch(.fdWrite, $0, $1, $2) }
        case .fdFdstatGet: return { WasiHost.dispatch(.fdFdstatGet, $0, $1, $2) }
        case .fdSeek: return { WasiHost.dispatch(.fdSeek, $0, $1, $2) }
        case .fdClose: return { WasiHost.dispatch(.fdClose, $0, $1, $2) }
        case .fdPrestatGet: return { WasiHost.dispatch(.fdPrestatGet, $0, $1, $2) }
        case .fdPrestatDirName: return { WasiHost.dispatch(.fdPrestatDirName, $0, $1, $2) }
        case .clockTimeGet: return { WasiHost.dispatch(.clockTimeGet, $0, $1, $2) }
        case .clockResGet: return { WasiHost.dispatch(.clockResGet, $0, $1, $2) }
        case .randomGet: return { WasiHost.dispatch(.randomGet, $0, $1, $2) }
        case .schedYield: return { WasiHost.dispatch(.schedYield, $0, $1, $2) }
        case .pollOneoff: return { WasiHost.dispatch(.pollOneoff, $0, $1, $2) }
        case .procExit: return { WasiHost.dispatch(.procExit, $0, $1, $2) }
        }
    }
}
