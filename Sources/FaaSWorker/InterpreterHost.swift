import FaaSSystem
import FaaSProtocol
import FaaSStore
import FaaSSandbox
import FaaSWasm
import Foundation
import Glibc

/// Runs JS and Python functions, each in its own sandbox (`SandboxPolicy`):
/// - Python scripts: a warm zygote per function forks a fresh child per call;
/// - JS scripts: a warm node per function runs each call in a fresh V8 context;
/// - Python and JS handlers: a warm runtime per function, loaded once, called many times;
/// - Go commands: a warm Python zygote (`runtime.py exec`) forks and execs the binary per call;
/// - Go handlers: the binary (the function built with our shim) is the warm runtime.
/// Different functions never share a runtime process; at most `maxRuntimes` stay warm.
final class InterpreterHost {
    private let options: WorkerOptions
    private let log: Logger
    private let loop: EventLoop
    private let sandboxed: Bool
    /// Private folder with the shims and each function's code copy (bound into sandboxes).
    private let runtimeDirectory: String
    private var prepared: Set<String> = []
    private var runtimes: [String: RuntimeProcess] = [:]
    private let confinement: RuntimeConfinement
    private let maxRuntimes = 8
    private lazy var node: String? = Runtimes.which("node")
    /// Looked up once, not per call.
    private lazy var hasSystemPython = access("/usr/bin/python3", X_OK) == 0
    /// The binary PATH's python3 runs (a pyenv shim costs ~100 ms per start), once known.
    private var resolvedPython: String?
    private var python: String? {
        // An explicit --python is used as given (bound into the sandbox when outside /usr).
        if let explicit = options.python { return explicit }
        // Inside the sandbox only world-readable interpreters work: prefer the system one.
        // (a pyenv interpreter under /root cannot be bound for the unprivileged sandbox user).
        if sandboxed, hasSystemPython { return "/usr/bin/python3" }
        return resolvedPython ?? Runtimes.which("python3")
    }

    /// Each warm runtime runs as a host user of its own (never root): RLIMIT_NPROC counts per
    /// user, so one function's fork bomb cannot starve another's. The worker's block of ids comes
    /// from its pid (unique among live processes); within it, an id is reused only once the
    /// runtime that had it is gone.
    private func allocateUID() -> UInt32 {
        let base = 100_000 + UInt32(truncatingIfNeeded: getpid()) * 16
        let taken = Set(runtimes.values.filter(\.isUsable).map(\.uid))
        let offset = (0..<16).first { !taken.contains(base + UInt32($0)) } ?? 0
        return base + UInt32(offset)
    }

    init(options: WorkerOptions, log: Logger, loop: EventLoop) throws {
        self.options = options
        self.log = log
        self.loop = loop
        sandboxed = options.sandbox == .bwrap
        if !sandboxed { log.warn(CommonSettings.sandboxOffWarning) }
        let directory = "/tmp/faas-worker-\(getpid())"
        runtimeDirectory = directory
        try? FileManager.default.removeItem(atPath: directory)
        try syscall("mkdir") { mkdir(directory, 0o755) }
        try syscall("chmod") { chmod(directory, 0o755) }
        confinement = RuntimeConfinement(sandboxed: sandboxed, filterPath: "\(directory)/seccomp.bpf", log: log)
        // The runtimes are Runtime/runtime.{py,js}, compiled in (Package.swift: embedInCode).
        try write(PackageResources.runtime_py, to: "\(runtimeDirectory)/runtime.py")
        try write(PackageResources.runtime_js, to: "\(runtimeDirectory)/runtime.js")
        if !sandboxed && options.python == nil { resolvePython() }
    }

    /// Asks PATH's python3 for `sys.executable`, in the background: until the answer comes,
    /// the shim itself is used.
    private func resolvePython() {
        guard let shim = Runtimes.which("python3") else { return }
        let request = SpawnRequest(executable: shim, arguments: ["-c", "import sys; print(sys.executable)"],
                                   environment: ProcessInfo.processInfo.environment, standardError: nil)
        guard let child = try? ChildProcess(request, pipes: [ChildPipe(.fromChild, on: 1)], teardown: .kill(), loop: loop),
              let connection = child.connection else { return }
        var output: [UInt8] = []
        connection.onData = { bytes in if output.count < 4096 { output.append(contentsOf: bytes) } }
        connection.onClose = { [weak self] _ in
            let path = String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if !path.isEmpty, FileManager.default.isExecutableFile(atPath: path) { self?.resolvedPython = path }
        }
        guard (try? connection.start()) != nil else { return child.kill() }
        child.setDeadline(after: 10) {}
    }

    deinit {
        for runtime in runtimes.values { runtime.terminate() }
        try? FileManager.default.removeItem(atPath: runtimeDirectory)
    }

    /// Runs one job; `completion` gets its result, on the loop (at once when it fails early).
    func run(_ job: JobMessage, _ metadata: FunctionMetadata, directory: String, payload: [UInt8], timeout: Double,
             completion: @escaping (ResultMessage) -> Void) {
        if let early = start(job, metadata, directory: directory, payload: payload, timeout: timeout, completion: completion) {
            completion(early)
        }
    }

    /// Starts the call; returns a result only when it fails before reaching a runtime.
    private func start(_ job: JobMessage, _ metadata: FunctionMetadata, directory: String, payload: [UInt8], timeout: Double,
                       completion: @escaping (ResultMessage) -> Void) -> ResultMessage? {
        let memory = job.memory ?? metadata.memory ?? options.defaultMemory
        // nil: none needed, a Go handler's binary is its own runtime. Go commands run through
        // runtime.py's `exec`, so they need python3.
        let interpreter: String?
        switch (metadata.language, metadata.mode) {
        case (.go, .handler):
            interpreter = nil
        case (.js, _):
            guard let node else { return .failure(id: job.id, .noEngine, "no js interpreter is installed on this host") }
            interpreter = node
        case (let language, _):
            guard let python else {
                let what = language == .go ? "python3 interpreter (it runs go commands)" : "\(language.rawValue) interpreter"
                return .failure(id: job.id, .noEngine, "no \(what) is installed on this host")
            }
            interpreter = python
        }
        let functionCopy: String
        do { functionCopy = try prepare(metadata, from: directory) } catch {
            return .failure(id: job.id, .internal, "cannot prepare the function: \(error)")
        }
        let source = Self.codeFile(metadata)
        let codePath = sandboxed ? "/fn/\(source)" : "\(functionCopy)/\(source)"
        let shimDirectory = sandboxed ? "/rt" : runtimeDirectory
        // Runtime/README.md, "Command line".
        let mode: FunctionMode = metadata.mode == .handler ? .handler : .command

        let isolation = sandboxed ? "pidns" : "shared"
        let program: [String]
        if let interpreter, metadata.language == .js {
            // A command's outer realm: no code from strings, frozen intrinsics (runtime.js, COMMAND_NODE_OPTIONS).
            let sealing = mode == .command ? ["--frozen-intrinsics", "--disallow-code-generation-from-strings"] : []
            program = [interpreter, "--max-old-space-size=\(memory)"] + sealing + ["\(shimDirectory)/runtime.js", mode.rawValue,
                       codePath, String(options.outputCap), isolation] + (mode == .handler ? [metadata.entrypoint] : [])
        } else if let interpreter {
            // Python's own modes, or `exec` for a Go command.
            let runtimeMode = metadata.language == .go ? "exec" : mode.rawValue
            program = [interpreter, "-I", "\(shimDirectory)/runtime.py", runtimeMode, codePath,
                       String(options.outputCap), isolation, String(Self.cpuSeconds(timeout))] + (mode == .handler ? [metadata.entrypoint] : [])
        } else {
            program = [codePath, "handler", String(options.outputCap)]
        }
        let runtime: RuntimeProcess
        if let warm = runtimes[metadata.id], warm.isUsable {
            runtime = warm
        } else {
            do {
                runtime = try startRuntime(metadata, program: program, interpreter: interpreter, functionCopy: functionCopy, memory: memory,
                                           timeout: timeout)
            } catch let error as SandboxError {
                // Fails closed: no sandbox, no run (503, naming what is missing).
                return .failure(id: job.id, .noEngine, "\(error)")
            } catch let error as CgroupError {
                // A memory limit that cannot be enforced is refused (503, naming why).
                return .failure(id: job.id, .noEngine, "\(error)")
            } catch {
                return .failure(id: job.id, .internal, "cannot start the \(metadata.language.rawValue) runtime: \(error)")
            }
        }
        let header = RuntimeCallHeader(job: job, metadata: metadata, memory: memory, timeout: timeout, now: Date().timeIntervalSince1970)
        runtime.call(payload, header: header.bytes, timeout: timeout, outputCap: options.outputCap) { [weak self, weak runtime] reply in
            guard let self else { return }
            if let runtime, !runtime.isUsable, self.runtimes[metadata.id] === runtime { self.runtimes.removeValue(forKey: metadata.id) }
            // The cgroup's OOM killer acted during the call (on the runtime or anything the call forked).
            if let message = self.confinement.memoryFailure(metadata.id, memory: memory) {
                return completion(.failure(id: job.id, .failed, message))
            }
            switch reply {
            case .timedOut:
                completion(.failure(id: job.id, .timeout, "timed out after \(timeout) s"))
            case .died(let why):
                completion(.failure(id: job.id, .failed, "the function's runtime died: \(why)"))
            case .answer(let kind, let code, let output, let errors, let log, let outputType):
                var result = self.result(job, kind: kind, code: code, output: output, errors: errors, memory: memory)
                // The call's log (a command's stderr, what a handler printed), never its output.
                if !log.isEmpty { result.log = String(decoding: log, as: UTF8.self) }
                if result.ok, outputType != .text { result.outputType = outputType }
                completion(result)
            }
        }
        return nil
    }

    /// Stops warm runtimes unused for `idleSeconds`: an idle worker gives their memory back.
    func evictIdle(idleSeconds: Double) {
        let now = EventLoop.now()
        for (id, runtime) in runtimes where now - runtime.lastUsed > idleSeconds {
            runtime.terminate()
            runtimes.removeValue(forKey: id)
            confinement.release(id)
            log.debug("stopped idle runtime of \(id)")
        }
    }

    /// Drops what is kept for a function id (its warm runtime and code copy): the id now names
    /// different code (deleted and deployed again within the same second).
    func forget(_ id: String) {
        runtimes.removeValue(forKey: id)?.terminate()
        confinement.release(id)
        prepared.remove(id)
    }

    /// RLIMIT_AS for a memory limit: the interpreter's own footprint on top (64 MiB); for node
    /// 4 GiB, as V8 reserves address space far beyond its heap (capped by --max-old-space-size).
    /// Go's runtime reserves about 700 MiB at start (its page summaries): 1 GiB on top, with
    /// GOMEMLIMIT holding its heap to the limit.
    static func addressSpaceMiB(memory: Int, language: Language) -> Int {
        switch language {
        case .js: return memory + 4096
        case .go: return memory + 1024
        default: return memory + 64
        }
    }

    /// The file a runtime runs: the source (JS, Python), or the executable built at deploy (Go).
    static func codeFile(_ language: Language) -> String {
        language.compilesToNative ? Language.nativeArtifact : language.sourceFile
    }

    /// As above; for a JS or Python bundle its entry file, inside the copied tree.
    static func codeFile(_ metadata: FunctionMetadata) -> String {
        if let entry = interpretedBundleEntry(metadata) { return entry }
        return codeFile(metadata.language)
    }

    /// A JS or Python bundle's entry file: its whole tree is what the runtime sees (a Go
    /// bundle only needs its executable).
    private static func interpretedBundleEntry(_ metadata: FunctionMetadata) -> String? {
        guard metadata.bundle != nil, !metadata.language.compilesToNative, let entry = metadata.entryFile else { return nil }
        return entry
    }

    static func cpuSeconds(_ timeout: Double) -> Int { Int(timeout.rounded(.up)) + 1 }

    private func result(_ job: JobMessage, kind: RuntimeReplyKind, code: Int32, output: [UInt8], errors: [UInt8], memory: Int) -> ResultMessage {
        switch kind {
        case .exited where code == 0:
            return .success(id: job.id, output: output)
        case .outputTooLarge:
            return .failure(id: job.id, .failed, "output exceeds the \(options.outputCap)-byte limit")
        case .signaled:
            return .failure(id: job.id, .failed, Self.describeFailure(status: ExitStatus.signaled(code).description, errors: errors, memory: memory))
        case .exited, .runtimeError:
            return .failure(id: job.id, .failed, Self.describeFailure(status: "exit status \(code)", errors: errors, memory: memory))
        }
    }

    private static func describeFailure(status: String, errors: [UInt8], memory: Int) -> String {
        let text = String(decoding: errors, as: UTF8.self)
        if text.contains("MemoryError") || text.contains("heap out of memory") || text.contains("Cannot allocate memory")
            || text.contains("Failed to reserve virtual memory") || text.contains("fatal error: out of memory")
            || text.contains("fatal error: runtime: out of memory") {
            return "memory limit of \(memory) MiB exceeded (\(status)): \(text)"
        }
        return text.isEmpty ? "function failed: \(status)" : "function failed (\(status)): \(text)"
    }

    /// Where a function reads the secrets it named at deploy: `/var/secrets/NAME`, and the same
    /// files at OpenFaaS's `/var/openfaas/secrets/NAME`.
    static let secretsMount = "/var/secrets"
    static let openFaaSSecretsMount = "/var/openfaas/secrets"

    private func policy(uid: UInt32, memory: Int, cpuSeconds: Int, functionCopy: String, language: Language, interpreter: String?,
                        secrets: String? = nil) -> SandboxPolicy {
        let addressSpace = Self.addressSpaceMiB(memory: memory, language: language)
        // Only the two shim files and this function's own copy: never the folder that holds
        // the other functions' copies.
        var binds: [(host: String, inside: String)] = [
            ("\(runtimeDirectory)/runtime.py", "/rt/runtime.py"), ("\(runtimeDirectory)/runtime.js", "/rt/runtime.js"),
            (functionCopy, "/fn"),
        ]
        if let interpreter, !interpreter.hasPrefix("/usr/") {
            binds.append((interpreter, interpreter))
        }
        // The secrets it named, at both path conventions (ours and OpenFaaS's).
        if let secrets {
            binds += [(secrets, Self.secretsMount), (secrets, Self.openFaaSSecretsMount)]
        }
        return SandboxPolicy(mode: options.sandbox, tools: options.sandboxTools, uid: uid, addressSpaceMiB: addressSpace,
                             cpuSeconds: cpuSeconds, readOnlyBinds: binds)
    }

    private func command(_ program: [String], interpreter: String?, metadata: FunctionMetadata, uid: UInt32, memory: Int, cpuSeconds: Int,
                         functionCopy: String, secrets: String?) throws -> (String, [String]) {
        // The function's own variables first: the platform's (checked at deploy not to clash) win.
        var own = metadata.env ?? [:]
        if Self.interpretedBundleEntry(metadata) != nil { own["FAAS_BUNDLE_ROOT"] = sandboxed ? "/fn" : functionCopy }
        if secrets != nil, !sandboxed { own["FAAS_SECRETS_DIR"] = secrets }
        let environment = own.merging(["PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1",
                           "FAAS_FUNCTION_ID": metadata.id, "FAAS_FUNCTION_NAME": metadata.name,
                           "FAAS_WORKER_ID": String(options.workerID), "FAAS_WORKER_PID": String(getpid())]
                           .merging(metadata.language == .go ? ["GOMEMLIMIT": "\(memory)MiB"] : [:]) { $1 }) { $1 }
        var policy = policy(uid: uid, memory: memory, cpuSeconds: cpuSeconds, functionCopy: functionCopy, language: metadata.language,
                            interpreter: interpreter, secrets: sandboxed ? secrets : nil)
        try confinement.apply(to: &policy, id: metadata.id, memory: memory, cpu: metadata.cpu ?? options.cpu, language: metadata.language)
        let built = try policy.command(program: program, environment: environment)
        return (built.executable, built.arguments)
    }

    private func startRuntime(_ metadata: FunctionMetadata, program: [String], interpreter: String?, functionCopy: String, memory: Int,
                              timeout: Double) throws -> RuntimeProcess {
        if runtimes.count >= maxRuntimes, let oldest = runtimes.min(by: { $0.value.lastUsed < $1.value.lastUsed }) {
            oldest.value.terminate()
            runtimes.removeValue(forKey: oldest.key)
        }
        // A warm runtime accumulates CPU time over many calls: its own limit is generous, and the
        // per-call limit is the wall-clock timeout (plus, for Python scripts, RLIMIT_CPU set in
        // each forked child).
        let cpu = 3600
        let uid = allocateUID()
        if sandboxed {
            // The code copy becomes readable by this runtime's user only.
            let source = "\(functionCopy)/\(Self.codeFile(metadata))"
            // The folder last: once it is the runtime's (0700), the worker can neither change its
            // mode nor reach the file inside without CAP_FOWNER / CAP_DAC_OVERRIDE, which it has
            // not under systemd (only CAP_CHOWN, CAP_SETUID, CAP_SETGID). So it takes the folder
            // back first (CAP_CHOWN is enough): a copy handed to an earlier runtime (one that
            // failed to start, died or was evicted) goes to the new one.
            try syscall("chown") { chown(functionCopy, geteuid(), getegid()) }
            try syscall("chmod") { chmod(functionCopy, 0o700) }
            try syscall("chown") { chown(source, uid, uid) }
            try syscall("chown") { chown(functionCopy, uid, uid) }
        }
        let secrets = try copySecrets(metadata, uid: uid)
        let (executable, arguments) = try command(program, interpreter: interpreter, metadata: metadata, uid: uid, memory: memory, cpuSeconds: cpu,
                                                  functionCopy: functionCopy, secrets: secrets)
        let runtime = try RuntimeProcess.start(executable: executable, arguments: arguments, uid: uid, loop: loop)
        runtimes[metadata.id] = runtime
        log.debug("runtime started for \(metadata.id) pid \(runtime.pid)")
        return runtime
    }

    /// Copies the function's source into this worker's private folder (handed to the runtime's
    /// user when it starts), so the sandbox never needs a view of `functions/`.
    private func prepare(_ metadata: FunctionMetadata, from directory: String) throws -> String {
        let copy = "\(runtimeDirectory)/\(metadata.id)"
        if prepared.contains(metadata.id) { return copy }
        try? FileManager.default.removeItem(atPath: copy)
        try syscall("mkdir") { mkdir(copy, 0o700) }
        if Self.interpretedBundleEntry(metadata) != nil {
            // The whole tree (world-readable files in a folder only the runtime's user may enter).
            let tree = "\(directory)/\(FunctionStore.bundleTree)"
            for entry in try FileManager.default.contentsOfDirectory(atPath: tree) {
                try FileManager.default.copyItem(atPath: "\(tree)/\(entry)", toPath: "\(copy)/\(entry)")
            }
            prepared.insert(metadata.id)
            return copy
        }
        let file = Self.codeFile(metadata.language)
        let source = try FileDescriptor.open("\(directory)/\(file)", O_RDONLY).closeAfter { try $0.readAll() }
        let target = "\(copy)/\(file)"
        try write(source, to: target)
        // A Go function's executable is run, not read.
        try syscall("chmod") { chmod(target, metadata.language.compilesToNative ? 0o500 : 0o400) }
        prepared.insert(metadata.id)
        return copy
    }

    /// The secrets a function named, copied fresh for each runtime start (a changed value
    /// reaches the next runtime) into a folder only the runtime's user may read; nil when it
    /// named none. A secret deleted since the deploy is simply absent.
    private func copySecrets(_ metadata: FunctionMetadata, uid: UInt32) throws -> String? {
        guard let names = metadata.secrets, !names.isEmpty else { return nil }
        let folder = "\(runtimeDirectory)/\(metadata.id).secrets"
        if access(folder, F_OK) == 0 {
            try syscall("chown") { chown(folder, geteuid(), getegid()) }
            try FileManager.default.removeItem(atPath: folder)
        }
        try syscall("mkdir") { mkdir(folder, 0o700) }
        let source = "\(options.functionsDirectory)/\(FunctionStore.secretsFolder)"
        for name in names where FunctionName.isValid(name) {
            guard let value = try? FileDescriptor.open("\(source)/\(name)", O_RDONLY | O_NOFOLLOW).closeAfter({ try $0.readAll(limit: 1 << 20) }) else { continue }
            let path = "\(folder)/\(name)"
            let fd = try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_EXCL, mode: 0o400)
            try fd.closeAfter { try $0.writeAll(value) }
            if sandboxed { try syscall("chown") { chown(path, uid, uid) } }
        }
        if sandboxed { try syscall("chown") { chown(folder, uid, uid) } }
        return folder
    }

    private func write(_ bytes: [UInt8], to path: String) throws {
        let fd = try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644)
        try fd.closeAfter { try $0.writeAll(bytes) }
    }
}
