import Foundation

/// Runs WebAssembly through the standard wasm C API of a dynamically loaded engine library.
/// One per worker process, used from one thread. Calls need a thread stack of a few MiB (the
/// main thread's 8 MiB is fine): the engine runs wasm on it up to its own stack limit.
/// There is no timeout here: the standard API cannot interrupt a call, so the process that
/// runs `run` is what gets killed when it takes too long.
public final class WasmEngine {
    let handle: WasmEngineHandle
    var api: WasmCAPI { handle.api }

    /// "wasmer" or "wasmtime" ("wasm" for another engine): name cache files after it, since
    /// serialized modules only load in the engine (and version) that made them.
    public var engineName: String { handle.api.engineName }
    /// The library actually loaded.
    public var libraryPath: String { handle.api.libraryPath }

    /// Loads the library (see `WasmCAPI.init(explicitPath:)` for the search order) and creates
    /// the engine. Throws `WasmError.libraryUnavailable` when no engine can be loaded.
    /// `pooling`: wasmtime's pooling allocator (see `WasmEngineTuning`); the precompiler and the
    /// workers make the same choice.
    public init(libraryPath: String?, pooling: Bool = true) throws {
        handle = try WasmEngineHandle(api: try WasmCAPI(explicitPath: libraryPath, pooling: pooling))
    }

    /// Compiles a `.wasm` binary to native code (milliseconds: do it once, then cache).
    public func compile(_ wasm: [UInt8]) throws -> WasmModule {
        guard wasm.count >= 8, wasm[0] == 0, wasm[1] == 0x61, wasm[2] == 0x73, wasm[3] == 0x6d else {
            throw WasmError.invalidModule("not a WebAssembly binary (bad magic number)")
        }
        let raw = wasm.withUnsafeBufferPointer { buf -> OpaquePointer? in
            var vec = WasmByteVec(size: buf.count, data: UnsafeMutablePointer(mutating: buf.baseAddress))
            return api.module_new(handle.compileStore, &vec)
        }
        guard let raw else {
            throw WasmError.invalidModule("\(engineName) rejected the \(wasm.count)-byte module (validation or compilation failed)")
        }
        return WasmModule(handle: handle, raw: raw)
    }

    /// The engine's native serialization of a compiled module, for an on-disk cache.
    public func serialize(_ m: WasmModule) -> [UInt8]? {
        var out = WasmByteVec()
        api.module_serialize(m.raw, &out)
        defer { api.byte_vec_delete(&out) }
        guard let data = out.data, out.size > 0 else { return nil }
        return Array(UnsafeBufferPointer(start: data, count: out.size))
    }

    /// Loads bytes from `serialize`. Only for our own cache files: engines trust this native
    /// code. Throws `.deserializeFailed` (e.g. made by another engine version): recompile then.
    public func deserialize(_ bytes: [UInt8]) throws -> WasmModule {
        guard !bytes.isEmpty else { throw WasmError.deserializeFailed("empty data") }
        let raw = bytes.withUnsafeBufferPointer { buf -> OpaquePointer? in
            var vec = WasmByteVec(size: buf.count, data: UnsafeMutablePointer(mutating: buf.baseAddress))
            return api.module_deserialize(handle.compileStore, &vec)
        }
        guard let raw else {
            throw WasmError.deserializeFailed("\(engineName) refused \(bytes.count) bytes (other engine version or corrupt file)")
        }
        return WasmModule(handle: handle, raw: raw)
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

        // Resolve the entry and its arguments before paying for a store.
        let entry: Int
        var args: [WasmVal] = []
        var resultKinds: [UInt8] = []
        switch invocation.mode {
        case .command:
            guard let i = module.functionIndex("_start") else {
                return .failure(
                    error: "module has no _start export (not a WASI command); call one of its exports instead",
                    stderr: [], kind: .badArguments)
            }
            entry = i
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
            case .success(let vals): args = vals
            case .failure(let e): return .failure(error: e.message, stderr: [], kind: .badArguments)
            }
            entry = i
            resultKinds = sig.results
        }

        guard let store = api.store_new(handle.engine) else {
            return .failure(error: "cannot create a wasm store", stderr: [], kind: .instantiation)
        }
        defer { api.store_delete(store) }
        let ctx = WasiContext(
            api: api, store: store, programName: invocation.programName,
            stdin: invocation.mode == .command ? invocation.stdin : [], outputCap: max(0, invocation.outputCap))
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
                return api.instance_new(store, module.raw, &vec, &trap)
            }
            guard let instance else {
                // A start function may have trapped or exited.
                if let ended = outcome(afterTrap: trap, ctx: ctx, kind: .instantiation) { return ended }
                return .failure(error: "cannot instantiate module", stderr: ctx.stderr, kind: .instantiation)
            }
            defer { api.instance_delete(instance) }
            if let trap { api.trap_delete(trap) }

            var exports = WasmPtrVec()
            api.instance_exports(instance, &exports)
            defer { api.extern_vec_delete(&exports) }
            // Only now is memory reachable: a wasm start section calling WASI would see EFAULT
            // (toolchains put initialisation in _start/_initialize instead, handled below).
            if let m = module.memoryIndex { ctx.memory = api.extern_as_memory(exports[m]) }
            // The standard API cannot cap memory.grow, so the limit is checked around the call:
            // an instance that outgrew it fails, whatever it returned (its store is dropped).
            let overLimit: () -> WasmOutcome? = { [api] in
                guard let limit = invocation.memoryLimit, let memory = ctx.memory else { return nil }
                let size = api.memory_data_size(memory)
                guard size > limit else { return nil }
                return .failure(error: "memory limit of \(limit >> 20) MiB exceeded (linear memory grew to \(size >> 20) MiB)",
                                stderr: ctx.stderr, kind: .memoryLimit)
            }
            if let over = overLimit() { return over }

            // A reactor (wasi-libc with -mexec-model=reactor) wants _initialize before exports.
            if case .export = invocation.mode, let ini = module.functionIndex("_initialize") {
                let (t, _) = call(api.extern_as_func(exports[ini]), args: [], resultKinds: [])
                if let ended = outcome(afterTrap: t, ctx: ctx, kind: .trap) { return ended }
            }
            let (t, results) = call(api.extern_as_func(exports[entry]), args: args, resultKinds: resultKinds)
            if let over = overLimit() {
                if let t { api.trap_delete(t) }
                return over
            }
            if let ended = outcome(afterTrap: t, ctx: ctx, kind: .trap) { return ended }
            if invocation.mode == .command || results.isEmpty {
                return .success(output: ctx.stdout)
            }
            return .success(output: Array(WasmArguments.render(results).utf8))
        }
    }

    /// Calls a function with prepared arguments; returns the trap (owned by the caller) or results.
    private func call(_ fn: OpaquePointer?, args: [WasmVal], resultKinds: [UInt8]) -> (OpaquePointer?, [WasmVal]) {
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

    /// Interprets (and deletes) the trap that ended a call, nil if the call returned normally:
    /// proc_exit(0) is success with stdout (the program is over, any results are void),
    /// proc_exit(N) an exit failure, a full output buffer an output failure, else a trap.
    private func outcome(afterTrap trap: OpaquePointer?, ctx: WasiContext, kind: WasmFailureKind) -> WasmOutcome? {
        guard let trap else { return nil }
        defer { api.trap_delete(trap) }
        if let code = ctx.exitCode {
            if code == 0 { return .success(output: ctx.stdout) }
            return .failure(error: "exit status \(code)", stderr: ctx.stderr, kind: .exit(code: code))
        }
        if ctx.outputExceeded {
            return .failure(error: "output exceeds \(ctx.outputCap) bytes", stderr: [], kind: .outputTooLarge)
        }
        return .failure(error: WasmEngine.cleanTrapMessage(api.message(ofTrap: trap)), stderr: ctx.stderr, kind: kind)
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
