#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// WASI preview1 (`wasi_snapshot_preview1`) written by us as host functions, so the sandbox is
// the same whichever engine library is loaded: stdin is the payload, stdout/stderr are captured
// in memory with a cap, argv is [programName], the environment is the function's `env`, and there are no
// files, preopens or sockets. Functions we do not implement answer ENOSYS.

enum WasiHost {
    static let moduleName = "wasi_snapshot_preview1"

    /// Decides how every import of a module is satisfied, or explains why it cannot be:
    /// only functions from `wasi_snapshot_preview1` are provided.
    static func bind(imports: WasmPtrVec, api: WasmCAPI) -> (bindings: [WasmImportBinding], problems: [String]) {
        var bindings: [WasmImportBinding] = []
        var problems: [String] = []
        for i in 0..<imports.size {
            let imp = imports[i]
            let module = WasmCAPI.string(api.importtype_module(imp))
            let name = WasmCAPI.string(api.importtype_name(imp))
            let type = api.importtype_type(imp)
            let label = "\(module).\(name)"
            guard module == moduleName else {
                problems.append("\(label) (only \(moduleName) imports are provided)")
                continue
            }
            guard api.externtype_kind(type) == WasmExternKind.function,
                let ft = api.externtype_as_functype_const(type)
            else {
                problems.append("\(label) (not a function)")
                continue
            }
            let params = api.kinds(api.functype_params(ft))
            let results = api.kinds(api.functype_results(ft))
            if let f = WasiFunction.byName[name] {
                guard params == f.params, results == f.results else {
                    problems.append("\(label) (signature differs from WASI preview1)")
                    continue
                }
                bindings.append(WasmImportBinding(name: name, functype: ft, params: params, results: results, callback: f.callback))
            } else if let stub = enosysStub(results: results) {
                bindings.append(WasmImportBinding(name: name, functype: ft, params: params, results: results, callback: stub))
            } else {
                problems.append("\(label) (unsupported signature)")
            }
        }
        return (bindings, problems)
    }

    /// Any other preview1 function answers ENOSYS with the result type it declares.
    private static func enosysStub(results: [UInt8]) -> WasmHostCallback? {
        switch results {
        case []: return { _, _, _ in nil }
        case [WasmVal.i32]:
            return { _, _, res in
                WasiHost.setResult(res, WasmVal(i32: WasiErrno.nosys))
                return nil
            }
        case [WasmVal.i64]:
            return { _, _, res in
                WasiHost.setResult(res, WasmVal(i64: Int64(WasiErrno.nosys)))
                return nil
            }
        default: return nil
        }
    }

    /// Common entry of every implemented function: finds the context, runs the function,
    /// and turns its errno into the i32 result or its abort into a trap.
    /// Writes the single result of a host function into the engine's `wasm_val_vec_t`.
    static func setResult(_ results: UnsafeMutableRawPointer?, _ v: WasmVal) {
        guard let vec = results?.load(as: WasmValVec.self), vec.size >= 1, let data = vec.data else { return }
        data[0] = v
    }

    static func dispatch(
        _ f: WasiFunction, _ env: UnsafeMutableRawPointer?, _ args: UnsafeRawPointer?,
        _ results: UnsafeMutableRawPointer?
    ) -> OpaquePointer? {
        guard let env else { return nil }
        let ctx = Unmanaged<WasiContext>.fromOpaque(env).takeUnretainedValue()
        let a = WasiArgs(vec: args?.load(as: WasmValVec.self) ?? WasmValVec())
        var errno: Int32
        do {
            errno = try perform(f, ctx, a)
        } catch WasiAbort.errno(let e) {
            errno = e
        } catch WasiAbort.trap(let message) {
            return ctx.newTrap(message)
        } catch {
            errno = WasiErrno.inval
        }
        if !f.results.isEmpty {
            setResult(results, WasmVal(i32: errno))
        }
        return nil
    }

    private static func u32(_ a: WasiArgs, _ i: Int) -> UInt32 {
        UInt32(truncatingIfNeeded: a[i].bits)
    }

    /// `args_sizes_get` / `environ_sizes_get`: how many strings, and their bytes with NULs.
    private static func storeSizes(_ strings: [[UInt8]], _ ctx: WasiContext, count: UInt32, size: UInt32) throws -> Int32 {
        let mem = try ctx.guestMemory()
        try mem.store(count, u32: UInt32(strings.count))
        try mem.store(size, u32: UInt32(strings.reduce(0) { $0 + $1.count + 1 }))
        return WasiErrno.success
    }

    /// `args_get` / `environ_get`: each string NUL-terminated in `buffer`, its address in `pointers`.
    private static func storeStrings(_ strings: [[UInt8]], _ ctx: WasiContext, pointers: UInt32, buffer: UInt32) throws -> Int32 {
        let mem = try ctx.guestMemory()
        var buf = buffer
        for (i, string) in strings.enumerated() {
            try mem.store(pointers &+ UInt32(4 * i), u32: buf)
            try mem.copyIn(buf, string[...])
            try mem.store(buf &+ UInt32(string.count), u8: 0)
            buf = buf &+ UInt32(string.count + 1)
        }
        return WasiErrno.success
    }

    private static func perform(_ f: WasiFunction, _ ctx: WasiContext, _ a: WasiArgs) throws -> Int32 {
        switch f {
        // args and environ have one layout: a count and a byte size, then pointers into a
        // buffer of NUL-terminated strings.
        case .argsSizesGet:
            return try storeSizes(ctx.args, ctx, count: u32(a, 0), size: u32(a, 1))
        case .argsGet:
            return try storeStrings(ctx.args, ctx, pointers: u32(a, 0), buffer: u32(a, 1))
        case .environSizesGet:
            return try storeSizes(ctx.environment, ctx, count: u32(a, 0), size: u32(a, 1))
        case .environGet:
            return try storeStrings(ctx.environment, ctx, pointers: u32(a, 0), buffer: u32(a, 1))
        case .fdRead:
            return try fdRead(ctx, fd: a[0].asI32, iovs: u32(a, 1), count: u32(a, 2), nread: u32(a, 3))
        case .fdWrite:
            return try fdWrite(ctx, fd: a[0].asI32, iovs: u32(a, 1), count: u32(a, 2), nwritten: u32(a, 3))
        case .fdFdstatGet:
            let fd = a[0].asI32
            guard (0...2).contains(fd) else { return WasiErrno.badf }
            let mem = try ctx.guestMemory()
            let stat = try mem.bytes(u32(a, 1), 24)
            stat.initializeMemory(as: UInt8.self, repeating: 0)
            // Filetype unknown (0), not character device (2): wasi-libc then treats stdout as
            // no tty and buffers it fully, so a program's output arrives in one fd_write
            // instead of one per line. Nothing is lost: exit() flushes before proc_exit.
            stat[0] = 0
            let rightsFdRead: UInt64 = 1 << 1
            let rightsFdWrite: UInt64 = 1 << 6
            stat.storeBytes(of: (fd == 0 ? rightsFdRead : rightsFdWrite).littleEndian, toByteOffset: 8, as: UInt64.self)
            return WasiErrno.success
        case .fdSeek:
            return (0...2).contains(a[0].asI32) ? WasiErrno.spipe : WasiErrno.badf
        case .fdClose:
            return (0...2).contains(a[0].asI32) ? WasiErrno.success : WasiErrno.badf
        case .fdPrestatGet, .fdPrestatDirName:
            // No preopened directories: wasi-libc's scan from fd 3 stops at the first EBADF.
            return WasiErrno.badf
        case .clockTimeGet:
            guard let id = clockID(a[0].asI32) else { return WasiErrno.inval }
            var ts = timespec()
            guard clock_gettime(id, &ts) == 0 else { return WasiErrno.inval }
            try ctx.guestMemory().store(u32(a, 2), u64: UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec))
            return WasiErrno.success
        case .clockResGet:
            guard let id = clockID(a[0].asI32) else { return WasiErrno.inval }
            var ts = timespec()
            guard clock_getres(id, &ts) == 0 else { return WasiErrno.inval }
            try ctx.guestMemory().store(u32(a, 1), u64: UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec))
            return WasiErrno.success
        case .randomGet:
            let buf = try ctx.guestMemory().bytes(u32(a, 0), Int(u32(a, 1)))
            var rng = SystemRandomNumberGenerator()  // getrandom(2) on Linux
            var i = 0
            while i < buf.count {
                var word = rng.next()
                let n = min(8, buf.count - i)
                withUnsafeBytes(of: &word) { w in
                    for k in 0..<n { buf[i + k] = w[k] }
                }
                i += n
            }
            return WasiErrno.success
        case .schedYield:
            return WasiErrno.success
        case .pollOneoff:
            return try pollOneoff(ctx, subs: u32(a, 0), events: u32(a, 1), count: u32(a, 2), nevents: u32(a, 3))
        case .procExit:
            ctx.exitCode = a[0].asI32
            throw WasiAbort.trap("proc_exit(\(a[0].asI32))")
        }
    }

    private static func clockID(_ id: Int32) -> clockid_t? {
        switch id {
        case 0: return CLOCK_REALTIME
        case 1: return CLOCK_MONOTONIC
        case 2: return CLOCK_PROCESS_CPUTIME_ID
        case 3: return CLOCK_THREAD_CPUTIME_ID
        default: return nil
        }
    }

    private static func fdRead(_ ctx: WasiContext, fd: Int32, iovs: UInt32, count: UInt32, nread: UInt32) throws -> Int32 {
        guard fd == 0 else { return WasiErrno.badf }
        let mem = try ctx.guestMemory()
        _ = try mem.bytes(iovs, 8 * Int(count))
        var total = 0
        for i in 0..<Int(count) {
            let entry = iovs &+ UInt32(8 * i)
            let buf = try mem.loadU32(entry)
            let len = Int(try mem.loadU32(entry &+ 4))
            let n = min(len, ctx.stdin.count - ctx.stdinOffset)
            if n == 0 { break }
            try mem.copyIn(buf, ctx.stdin[ctx.stdinOffset..<(ctx.stdinOffset + n)])
            ctx.stdinOffset += n
            total += n
        }
        try mem.store(nread, u32: UInt32(total))
        return WasiErrno.success
    }

    private static func fdWrite(_ ctx: WasiContext, fd: Int32, iovs: UInt32, count: UInt32, nwritten: UInt32) throws -> Int32 {
        guard fd == 1 || fd == 2 else { return WasiErrno.badf }
        let mem = try ctx.guestMemory()
        _ = try mem.bytes(iovs, 8 * Int(count))
        var total = 0
        for i in 0..<Int(count) {
            let entry = iovs &+ UInt32(8 * i)
            let buf = try mem.loadU32(entry)
            let len = Int(try mem.loadU32(entry &+ 4))
            let src = try mem.bytes(buf, len)
            let current = fd == 1 ? ctx.stdout.count : ctx.stderr.count
            if current + len > ctx.outputCap {
                // Stop the program at once: looping printers must not keep the worker busy.
                ctx.outputExceeded = true
                throw WasiAbort.trap("output exceeds \(ctx.outputCap) bytes")
            }
            if fd == 1 { ctx.stdout.append(contentsOf: src) } else { ctx.stderr.append(contentsOf: src) }
            total += len
        }
        try mem.store(nwritten, u32: UInt32(truncatingIfNeeded: total))
        return WasiErrno.success
    }

    /// Minimal poll: fd subscriptions on 0 (read) and 1/2 (write) are ready at once; clock
    /// subscriptions sleep until the earliest deadline when nothing else is ready (so `sleep()`
    /// works), never past the call's own deadline.
    private static func pollOneoff(_ ctx: WasiContext, subs: UInt32, events: UInt32, count: UInt32, nevents: UInt32) throws -> Int32 {
        guard count > 0 else { return WasiErrno.inval }
        let mem = try ctx.guestMemory()
        let n = Int(count)
        _ = try mem.bytes(subs, 48 * n)
        _ = try mem.bytes(events, 32 * n)
        struct Sub { var userdata: UInt64; var tag: UInt8; var fd: UInt32; var waitNs: UInt64?; var clockOK: Bool }
        var list: [Sub] = []
        var anyFd = false
        for i in 0..<n {
            let base = subs &+ UInt32(48 * i)
            let userdata = try mem.loadU64(base)
            let tag = try mem.loadU8(base &+ 8)
            if tag == 0 {
                let id = Int32(bitPattern: try mem.loadU32(base &+ 16))
                let timeout = try mem.loadU64(base &+ 24)
                let absolute = (try mem.loadU16(base &+ 40)) & 1 != 0
                var wait: UInt64? = nil
                var ok = false
                if let cid = clockID(id) {
                    ok = true
                    if absolute {
                        var ts = timespec()
                        clock_gettime(cid, &ts)
                        let now = UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
                        wait = timeout > now ? timeout - now : 0
                    } else {
                        wait = timeout
                    }
                }
                list.append(Sub(userdata: userdata, tag: tag, fd: 0, waitNs: wait, clockOK: ok))
            } else {
                anyFd = true
                list.append(Sub(userdata: userdata, tag: tag, fd: try mem.loadU32(base &+ 16), waitNs: nil, clockOK: false))
            }
        }
        // With an fd subscription ready nothing sleeps; otherwise sleep to the earliest deadline
        // and report the clocks due by then.
        let minWait = list.compactMap { $0.waitNs }.min() ?? 0
        let slept: UInt64 = anyFd ? 0 : minWait
        // A wait past the call's deadline stops at the deadline and ends the call, as wasm code
        // running that long would (the engine cannot interrupt a host function).
        var pause = slept
        var overDeadline = false
        if let deadline = ctx.deadline, slept > 0 {
            let now = WasiContext.monotonicNanos()
            let left = deadline > now ? deadline - now : 0
            if slept > left { pause = left; overDeadline = true }
        }
        if pause > 0 {
            var ts = timespec(tv_sec: Int(pause / 1_000_000_000), tv_nsec: Int(pause % 1_000_000_000))
            var rest = timespec()
            while nanosleep(&ts, &rest) != 0 && errno == EINTR { ts = rest }
        }
        if overDeadline {
            ctx.timedOut = true
            throw WasiAbort.trap("time limit reached while sleeping")
        }
        var written: UInt32 = 0
        for s in list {
            var error: UInt16 = 0
            var nbytes: UInt64 = 0
            switch s.tag {
            case 0:
                if !s.clockOK {
                    error = UInt16(WasiErrno.inval)
                } else if let w = s.waitNs, w > slept {
                    continue  // not due yet
                }
            case 1:
                if s.fd == 0 { nbytes = UInt64(ctx.stdin.count - ctx.stdinOffset) } else { error = UInt16(WasiErrno.badf) }
            case 2:
                if s.fd != 1 && s.fd != 2 { error = UInt16(WasiErrno.badf) }
            default:
                error = UInt16(WasiErrno.inval)
            }
            let ev = events &+ 32 &* written
            try mem.bytes(ev, 32).initializeMemory(as: UInt8.self, repeating: 0)
            try mem.store(ev, u64: s.userdata)
            try mem.store(ev &+ 8, u16: error)
            try mem.store(ev &+ 10, u8: s.tag)
            try mem.store(ev &+ 16, u64: nbytes)
            written += 1
        }
        try mem.store(nevents, u32: written)
        return WasiErrno.success
    }
}
