import Foundation

/// Runs WebAssembly through a dynamically loaded engine library: wasmtime's own C API when the
/// library has it (each call's store then has a memory limiter and an epoch deadline, see
/// `WasmInterface`), the standard wasm C API otherwise. One per worker process, used from one
/// thread. Calls need a thread stack of a few MiB (the main thread's 8 MiB is fine): the engine
/// runs wasm on it up to its own stack limit.
public final class WasmEngine {
    let handle: WasmEngineHandle
    var api: WasmCAPI { handle.api }

    /// "wasmer" or "wasmtime" ("wasm" for another engine): name cache files after it, since
    /// serialized modules only load in the engine (and version) that made them.
    public var engineName: String { handle.api.engineName }
    /// The library actually loaded.
    public var libraryPath: String { handle.api.libraryPath }
    /// True when calls are bounded while they run (wasmtime's own API): memory.grow past the
    /// limit fails inside the call and a call past its time traps. False: the standard API,
    /// where the caller must stop a call that runs too long by killing its process.
    public var boundsCallsInside: Bool { handle.api.wasmtime != nil }

    /// Loads the library (see `WasmCAPI.init(explicitPath:)` for the search order) and creates
    /// the engine. Throws `WasmError.libraryUnavailable` when no engine can be loaded.
    /// `pooling`: wasmtime's pooling allocator (see `WasmEngineTuning`); the precompiler and the
    /// workers make the same choice. `interface`: `.standard` forces the `wasm.h` path even when
    /// the library offers wasmtime's own API.
    public init(libraryPath: String?, pooling: Bool = true, interface: WasmInterface = .automatic) throws {
        handle = try WasmEngineHandle(api: try WasmCAPI(explicitPath: libraryPath, pooling: pooling, interface: interface))
    }

    /// Compiles a `.wasm` binary to native code (milliseconds: do it once, then cache).
    public func compile(_ wasm: [UInt8]) throws -> WasmModule {
        guard wasm.count >= 8, wasm[0] == 0, wasm[1] == 0x61, wasm[2] == 0x73, wasm[3] == 0x6d else {
            throw WasmError.invalidModule("not a WebAssembly binary (bad magic number)")
        }
        if let wasmtime = api.wasmtime {
            var raw: OpaquePointer?
            if let error = wasm.withUnsafeBufferPointer({ wasmtime.module_new(handle.engine, $0.baseAddress, $0.count, &raw) }) {
                throw WasmError.invalidModule(wasmtime.consume(error: error))
            }
            guard let raw else { throw WasmError.invalidModule("\(engineName) rejected the \(wasm.count)-byte module") }
            return WasmModule(handle: handle, compiled: .wasmtime(WasmtimeLinkedModule(wasmtime: wasmtime, module: raw)))
        }
        let raw = wasm.withUnsafeBufferPointer { buf -> OpaquePointer? in
            var vec = WasmByteVec(size: buf.count, data: UnsafeMutablePointer(mutating: buf.baseAddress))
            return api.module_new(handle.compileStore, &vec)
        }
        guard let raw else {
            throw WasmError.invalidModule("\(engineName) rejected the \(wasm.count)-byte module (validation or compilation failed)")
        }
        return WasmModule(handle: handle, compiled: .standard(raw))
    }

    /// The engine's native serialization of a compiled module, for an on-disk cache.
    public func serialize(_ m: WasmModule) -> [UInt8]? {
        var out = WasmByteVec()
        switch m.compiled {
        case .standard(let raw):
            api.module_serialize(raw, &out)
        case .wasmtime(let linked):
            if let error = linked.wasmtime.module_serialize(linked.module, &out) {
                _ = linked.wasmtime.consume(error: error)
                return nil
            }
        }
        defer { api.byte_vec_delete(&out) }
        guard let data = out.data, out.size > 0 else { return nil }
        return Array(UnsafeBufferPointer(start: data, count: out.size))
    }

    /// Loads bytes from `serialize`. Only for our own cache files: engines trust this native
    /// code. Throws `.deserializeFailed` (e.g. made by another engine version): recompile then.
    public func deserialize(_ bytes: [UInt8]) throws -> WasmModule {
        guard !bytes.isEmpty else { throw WasmError.deserializeFailed("empty data") }
        if let wasmtime = api.wasmtime {
            var raw: OpaquePointer?
            if let error = bytes.withUnsafeBufferPointer({ wasmtime.module_deserialize(handle.engine, $0.baseAddress, $0.count, &raw) }) {
                throw WasmError.deserializeFailed(wasmtime.consume(error: error))
            }
            guard let raw else { throw WasmError.deserializeFailed("\(engineName) refused \(bytes.count) bytes") }
            return WasmModule(handle: handle, compiled: .wasmtime(WasmtimeLinkedModule(wasmtime: wasmtime, module: raw)))
        }
        let raw = bytes.withUnsafeBufferPointer { buf -> OpaquePointer? in
            var vec = WasmByteVec(size: buf.count, data: UnsafeMutablePointer(mutating: buf.baseAddress))
            return api.module_deserialize(handle.compileStore, &vec)
        }
        guard let raw else {
            throw WasmError.deserializeFailed("\(engineName) refused \(bytes.count) bytes (other engine version or corrupt file)")
        }
        return WasmModule(handle: handle, compiled: .standard(raw))
    }

    /// Runs one invocation in a fresh store and instance, deleted afterwards (the store is the
    /// unit of cleanup, so nothing survives from one call to the next).
    public func run(_ module: WasmModule, _ invocation: WasmInvocation) -> WasmOutcome {
        guard module.handle === handle else {
            return .failure(error: "module was compiled by another WasmEngine", stderr: [], kind: .instantiation)
        }
        guard module.unsupportedImports.isEmpty else {
            return .failure(
                error: "cannot instantiate module: unsupported import" + (module.unsupportedImports.count > 1 ? "s " : " ")
                    + module.unsupportedImports.joined(separator: ", "),
                stderr: [], kind: .instantiation)
        }
        if let limit = invocation.memoryLimit, module.initialMemoryBytes > limit {
            return .failure(error: "memory limit of \(limit >> 20) MiB exceeded (the module starts with \(module.initialMemoryBytes >> 20) MiB of linear memory)",
                            stderr: [], kind: .memoryLimit)
        }

        // Resolve the entry and its arguments before paying for a store.
        let call: WasmEntryCall
        switch invocation.mode {
        case .command:
            guard let i = module.functionIndex("_start") else {
                return .failure(
                    error: "module has no _start export (not a WASI command); call one of its exports instead",
                    stderr: [], kind: .badArguments)
            }
            call = WasmEntryCall(index: i, args: [], resultKinds: [])
        case .export(let name):
            guard let i = module.functionIndex(name), let sig = module.exportSignatures[i] else {
                let funcs = module.exportNames.indices.filter { module.exportKinds[$0] == WasmExternKind.function }
                    .map { module.exportNames[$0] }.filter { !$0.hasPrefix("__") }.prefix(20)
                return .failure(
                    error: "no exported function '\(name)' (exported functions: \(funcs.joined(separator: ", ")))",
                    stderr: [], kind: .badArguments)
            }
            guard sig.params.allSatisfy(WasmArguments.isNumeric), sig.results.allSatisfy(WasmArguments.isNumeric) else {
                return .failure(error: "\(name) has non-numeric parameters or results", stderr: [], kind: .badArguments)
            }
            switch WasmArguments.parse(invocation.stdin, kinds: sig.params, function: name) {
            case .success(let vals): call = WasmEntryCall(index: i, args: vals, resultKinds: sig.results)
            case .failure(let e): return .failure(error: e.message, stderr: [], kind: .badArguments)
            }
        }
        let deadline = invocation.timeout.map { WasiContext.monotonicNanos() &+ UInt64(max(0, min($0, 1e9)) * 1e9) }
        switch module.compiled {
        case .standard(let raw):
            return runStandard(module, raw: raw, invocation, call, deadline: deadline)
        case .wasmtime(let linked):
            return runWasmtime(module, linked: linked, invocation, call, deadline: deadline)
        }
    }

    /// The standard API: host functions bound per store, instance_new, wasm_func_call. The
    /// memory limit is checked around the call (the standard API cannot cap memory.grow).
    private func runStandard(_ module: WasmModule, raw: OpaquePointer, _ invocation: WasmInvocation, _ entry: WasmEntryCall,
                             deadline: UInt64?) -> WasmOutcome {
        guard let store = api.store_new(handle.engine) else {
            return .failure(error: "cannot create a wasm store", stderr: [], kind: .instantiation)
        }
        defer { api.store_delete(store) }
        let ctx = WasiContext(
            api: api, traps: .standard(store), programName: invocation.programName, environment: invocation.environment,
            stdin: invocation.mode == .command ? invocation.stdin : [], outputCap: max(0, invocation.outputCap), deadline: deadline)
        // The host functions see ctx through this unretained pointer; withExtendedLifetime
        // below keeps ctx alive for as long as the store can call them.
        let env = Unmanaged.passUnretained(ctx).toOpaque()
        return withExtendedLifetime(ctx) {
            var funcs: [OpaquePointer?] = []
            funcs.reserveCapacity(module.bindings.count)
            defer { for f in funcs { api.func_delete(f) } }
            var externs: [OpaquePointer?] = []
            externs.reserveCapacity(module.bindings.count)
            for b in module.bindings {
                guard let f = api.func_new_with_env(store, b.functype, b.callback, env, nil) else {
                    return .failure(error: "cannot create WASI host function", stderr: [], kind: .instantiation)
                }
                funcs.append(f)
                externs.append(api.func_as_extern(f))
            }

            var trap: OpaquePointer?
            let instance = externs.withUnsafeMutableBufferPointer { buf -> OpaquePointer? in
                var vec = WasmPtrVec(size: buf.count, data: buf.baseAddress)
                return api.instance_new(store, raw, &vec, &trap)
            }
            guard let instance else {
                // A start function may have trapped or exited.
                if let ended = outcome(after: standardFailure(trap), ctx: ctx, kind: .instantiation, limit: nil) { return ended }
                return .failure(error: "cannot instantiate module", stderr: ctx.stderr, kind: .instantiation)
            }
            defer { api.instance_delete(instance) }
            if let trap { api.trap_delete(trap) }

            var exports = WasmPtrVec()
            api.instance_exports(instance, &exports)
            defer { api.extern_vec_delete(&exports) }
            // Only now is memory reachable: a wasm start section calling WASI would see EFAULT
            // (toolchains put initialisation in _start/_initialize instead, handled below).
            if let m = module.memoryIndex, let memory = api.extern_as_memory(exports[m]) { ctx.memory = .standard(memory) }
            // An instance that outgrew the limit fails, whatever it returned (its store is dropped).
            let overLimit: () -> WasmOutcome? = {
                guard let limit = invocation.memoryLimit else { return nil }
                let size = ctx.memorySize
                guard size > limit else { return nil }
                return .failure(error: "memory limit of \(limit >> 20) MiB exceeded (linear memory grew to \(size >> 20) MiB)",
                                stderr: ctx.stderr, kind: .memoryLimit)
            }
            if let over = overLimit() { return over }

            // A reactor (wasi-libc with -mexec-model=reactor) wants _initialize before exports.
            if case .export = invocation.mode, let ini = module.functionIndex("_initialize") {
                let (t, _) = callStandard(api.extern_as_func(exports[ini]), args: [], resultKinds: [])
                if let ended = outcome(after: standardFailure(t), ctx: ctx, kind: .trap, limit: nil) { return ended }
            }
            let (t, results) = callStandard(api.extern_as_func(exports[entry.index]), args: entry.args, resultKinds: entry.resultKinds)
            let failure = standardFailure(t)
            if let over = overLimit() { return over }
            if let ended = outcome(after: failure, ctx: ctx, kind: .trap, limit: nil) { return ended }
            return success(invocation, ctx, results)
        }
    }

    /// wasmtime's API: a wasmtime store with the call's memory limit and epoch deadline, the
    /// module's pre-linked instantiation, raw-value calls.
    private func runWasmtime(_ module: WasmModule, linked: WasmtimeLinkedModule, _ invocation: WasmInvocation, _ entry: WasmEntryCall,
                             deadline: UInt64?) -> WasmOutcome {
        let wasmtime = linked.wasmtime
        guard let pre = linked.pre else {
            return .failure(error: "cannot instantiate module: \(linked.linkError ?? "link failed")", stderr: [], kind: .instantiation)
        }
        let ctx = WasiContext(
            api: api, traps: .wasmtime(wasmtime), programName: invocation.programName, environment: invocation.environment,
            stdin: invocation.mode == .command ? invocation.stdin : [], outputCap: max(0, invocation.outputCap), deadline: deadline)
        // Host functions find ctx through the store's data (unretained: ctx outlives the store).
        return withExtendedLifetime(ctx) {
            guard let store = wasmtime.store_new(handle.engine, Unmanaged.passUnretained(ctx).toOpaque(), nil),
                  let context = wasmtime.store_context(store)
            else {
                return .failure(error: "cannot create a wasm store", stderr: [], kind: .instantiation)
            }
            defer { wasmtime.store_delete(store) }
            if let limit = invocation.memoryLimit { wasmtime.store_limiter(store, Int64(limit), -1, -1, -1, -1) }
            // Every store of an engine with epoch interruption needs a deadline (the default
            // one has passed already): the call's time, or as good as none.
            let ticks = invocation.timeout == nil ? UInt64(UInt32.max) : EpochTicker.deadlineTicks
            wasmtime.context_set_epoch_deadline(context, ticks)
            let ticker = invocation.timeout == nil ? nil : handle.ticker
            ticker?.begin(seconds: invocation.timeout ?? 0)
            defer { ticker?.end() }

            var instance = WasmtimeInstance()
            var trap: OpaquePointer?
            let error = withUnsafeMutableBytes(of: &instance) { wasmtime.instance_pre_instantiate(pre, context, $0.baseAddress, &trap) }
            // A start function may have trapped or exited, or instantiation failed.
            if let ended = outcome(after: wasmtimeFailure(trap: trap, error: error, wasmtime), ctx: ctx, kind: .instantiation,
                                   limit: invocation.memoryLimit) {
                return ended
            }

            func export(_ index: Int) -> WasmtimeExtern? {
                var item = WasmtimeExtern()
                var name: UnsafeMutablePointer<CChar>?
                var length = 0
                let found = withUnsafeBytes(of: &instance) { i in
                    item.withRawPointer { wasmtime.instance_export_nth(context, i.baseAddress, index, &name, &length, $0) }
                }
                return found ? item : nil
            }
            if let m = module.memoryIndex, let memory = export(m), memory.kind == WasmtimeExtern.memory {
                ctx.memory = .wasmtime(wasmtime, context: context, memory: memory)
            }
            func invoke(_ index: Int, _ args: [WasmVal], _ resultKinds: [UInt8]) -> (WasmCallFailure?, [WasmVal]) {
                guard var function = export(index), function.kind == WasmtimeExtern.function else {
                    return (WasmCallFailure(message: "export \(index) is not a function", interrupted: false), [])
                }
                // wasmtime_val_raw_t: 16 bytes each, the value little-endian in the first 8.
                var values = [UInt64](repeating: 0, count: 2 * max(1, args.count, resultKinds.count))
                for (i, a) in args.enumerated() { values[2 * i] = a.bits.littleEndian }
                var trap: OpaquePointer?
                let error = values.withUnsafeMutableBytes { v in
                    function.withUnion { wasmtime.func_call_unchecked(context, $0, v.baseAddress, max(args.count, resultKinds.count), &trap) }
                }
                if error != nil || trap != nil { return (wasmtimeFailure(trap: trap, error: error, wasmtime), []) }
                let results = resultKinds.enumerated().map { i, kind -> WasmVal in
                    var v = WasmVal()
                    v.kind = kind
                    v.bits = UInt64(littleEndian: values[2 * i])
                    return v
                }
                return (nil, results)
            }

            if case .export = invocation.mode, let ini = module.functionIndex("_initialize") {
                let (failure, _) = invoke(ini, [], [])
                if let ended = outcome(after: failure, ctx: ctx, kind: .trap, limit: invocation.memoryLimit) { return ended }
            }
            let (failure, results) = invoke(entry.index, entry.args, entry.resultKinds)
            if let ended = outcome(after: failure, ctx: ctx, kind: .trap, limit: invocation.memoryLimit) { return ended }
            return success(invocation, ctx, results)
        }
    }

    private func success(_ invocation: WasmInvocation, _ ctx: WasiContext, _ results: [WasmVal]) -> WasmOutcome {
        if invocation.mode == .command || results.isEmpty {
            return .success(output: ctx.stdout, stderr: ctx.stderr)
        }
        return .success(output: Array(WasmArguments.render(results).utf8), stderr: ctx.stderr)
    }

    /// Calls a function with prepared arguments; returns the trap (owned by the caller) or results.
    private func callStandard(_ fn: OpaquePointer?, args: [WasmVal], resultKinds: [UInt8]) -> (OpaquePointer?, [WasmVal]) {
        var argv = args
        var results = resultKinds.map { k -> WasmVal in
            var v = WasmVal()
            v.kind = k
            return v
        }
        let trap = argv.withUnsafeMutableBufferPointer { a -> OpaquePointer? in
            results.withUnsafeMutableBufferPointer { r -> OpaquePointer? in
                var av = WasmValVec(size: a.count, data: a.baseAddress)
                var rv = WasmValVec(size: r.count, data: r.baseAddress)
                return api.func_call(fn, &av, &rv)
            }
        }
        return (trap, results)
    }

    /// What a standard trap says (the trap is deleted); nil for no trap.
    private func standardFailure(_ trap: OpaquePointer?) -> WasmCallFailure? {
        guard let trap else { return nil }
        defer { api.trap_delete(trap) }
        return WasmCallFailure(message: api.message(ofTrap: trap), interrupted: false)
    }

    /// What a wasmtime call's trap or error says (both deleted). A trap returned by one of our
    /// host functions comes back as an error, an engine trap (epoch deadline included) as a trap.
    private func wasmtimeFailure(trap: OpaquePointer?, error: OpaquePointer?, _ wasmtime: WasmtimeCAPI) -> WasmCallFailure? {
        var failure: WasmCallFailure?
        if let error {
            failure = WasmCallFailure(message: wasmtime.consume(error: error), interrupted: false)
        }
        if let trap {
            var code: UInt8 = 0
            let interrupted = wasmtime.trap_code(trap, &code) && code == WasmtimeCAPI.trapCodeInterrupt
            failure = WasmCallFailure(message: api.message(ofTrap: trap), interrupted: interrupted)
            api.trap_delete(trap)
        }
        return failure
    }

    /// Interprets how a call ended, nil if it returned normally: proc_exit(0) is success with
    /// stdout (the program is over, any results are void); a deadline passed is a timeout; a
    /// full output buffer an output failure; a failure while the memory limit (`limit`, enforced
    /// inside the call) held the memory at its size is a memory-limit failure; then
    /// proc_exit(N) an exit failure, else a trap.
    private func outcome(after failure: WasmCallFailure?, ctx: WasiContext, kind: WasmFailureKind, limit: Int?) -> WasmOutcome? {
        guard let failure else { return nil }
        if ctx.exitCode == 0 { return .success(output: ctx.stdout, stderr: ctx.stderr) }
        if ctx.timedOut || failure.interrupted {
            return .failure(error: "time limit reached", stderr: ctx.stderr, kind: .timeout)
        }
        if ctx.outputExceeded {
            return .failure(error: "output exceeds \(ctx.outputCap) bytes", stderr: [], kind: .outputTooLarge)
        }
        let reason = ctx.exitCode.map { "exit status \($0)" } ?? WasmEngine.cleanTrapMessage(failure.message)
        if let limit, WasmEngine.isAtLimit(memory: ctx.memorySize, limit: limit) {
            return .failure(error: "memory limit of \(limit >> 20) MiB reached (linear memory at \(ctx.memorySize >> 20) MiB when the call failed: \(reason))",
                            stderr: ctx.stderr, kind: .memoryLimit)
        }
        if let code = ctx.exitCode {
            return .failure(error: reason, stderr: ctx.stderr, kind: .exit(code: code))
        }
        return .failure(error: reason, stderr: ctx.stderr, kind: kind)
    }

    /// wasmtime's limiter makes a refused memory.grow return -1 (the wasm rule) and tells no one,
    /// so a call that then fails is put down to the limit when its memory ended up within the
    /// last eighth (at least 2 MiB) of it: an allocator that hit the ceiling. A program that
    /// fails after one huge refused request far below the limit keeps its own error.
    static func isAtLimit(memory: Int, limit: Int) -> Bool {
        memory > 0 && limit - memory < max(limit / 8, 2 << 20)
    }

    /// Engines wrap the trap reason in context and a backtrace (wasmtime: "error while
    /// executing at wasm backtrace: ... caused by: 0: memory fault at ... 1: wasm trap: out of
    /// bounds memory access"). Users get the reason on one line: the root cause, then the
    /// other causes in parentheses.
    static func cleanTrapMessage(_ message: String) -> String {
        let lines = message.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let marker = lines.lastIndex(where: { $0.lowercased() == "caused by:" }) else {
            return lines.first(where: { !$0.isEmpty }) ?? "trap"
        }
        let causes = lines[(marker + 1)...].filter { !$0.isEmpty }.map { line -> String in
            // Drop the "0: " numbering of multi-cause chains.
            guard let colon = line.firstIndex(of: ":"), line[..<colon].allSatisfy(\.isNumber), colon != line.startIndex else { return line }
            return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        guard let root = causes.last else { return lines.first ?? "trap" }
        let context = causes.dropLast()
        return context.isEmpty ? root : "\(root) (\(context.joined(separator: "; ")))"
    }
}
