import FaaSSystem
import FaaSProtocol
import FaaSHTTP
import FaaSStore
import FaaSSandbox
import FaaSWasm
import Foundation
import Glibc

/// The deploy pipeline: validate, stage the source, compile C and Rust to WebAssembly (off the
/// event loop, under a time limit), prepare the compiled module for fast loading, then publish
/// atomically. Nothing is stored unless every step succeeded.
final class Deployer {
    struct Request {
        var name: String
        var language: Language
        var source: [UInt8]
        var entrypoint: String?
        var timeout: Double?
        var memory: Int?
        /// `&cpu`: cores for its runtime's cgroup (nil: the workers' default).
        var cpu: Double? = nil
        /// `&concurrency`: workers it may use at once (nil: the load balancer's default share).
        var concurrency: Int? = nil
        var update: Bool
        /// `&mode`; nil: decided from the source (`DeployPlan`).
        var mode: FunctionMode?
        /// Who may call it without a key; nil on an update: as the previous version.
        var access: FunctionAccess? = nil
        /// Set when its client leaves: the compile stops and nothing is stored.
        var cancellation = DeployCancellation()
        /// The body was an archive: its checked entries, and the entry file among them.
        var bundle: BundleArchive? = nil
        var entryFile: String? = nil
        /// nil on an update: as the previous version (as every setting the request leaves out).
        var env: [String: String]? = nil
        var secrets: [String]? = nil

        /// What the deploy plan and the compilers look at: the source, or a bundle's entry file
        /// (for C and C++ every C source, for Go every root `.go` file, as `main` may be in any).
        var detectionSource: [UInt8] {
            guard let bundle, let entryFile else { return source }
            switch language {
            case .c, .cpp:
                return bundle.filePaths.filter { language.sourceExtensions.contains(($0 as NSString).pathExtension) }
                    .flatMap { (bundle.contents(of: $0) ?? []) + [10] }
            case .go:
                return bundle.filePaths.filter { !$0.contains("/") && $0.hasSuffix(".go") && !$0.hasSuffix("_test.go") }
                    .flatMap { (bundle.contents(of: $0) ?? []) + [10] }
            default:
                return bundle.contents(of: entryFile) ?? []
            }
        }
        /// `&event`: how a JS or Python handler's event is made (nil: by the body's content).
        var event: EventMode? = nil
    }

    struct Failure: Error {
        let status: HTTPStatus
        let message: String
        var details: String?

        /// The client left before the compile ended (nobody reads this answer; the log does).
        static let cancelled = Failure(status: HTTPStatus(code: 499, reasonPhrase: "Client Closed Request"), message: "the client closed its connection: the deploy was cancelled")
    }

    private let options: GatewayOptions
    private let store: FunctionStore
    private let loop: EventLoop
    private let log: Logger
    /// Names with a deploy under way in this gateway: a second one is refused at once (409)
    /// instead of compiling for nothing.
    private var reserved: Set<String> = []
    /// The wasm sysroot (a folder of links) is checked once per gateway, not per deploy.
    private var sysrootReady = false
    private var sysroot: String { confined ? workArea + "/sysroot" : store.root + "/.sysroot" }
    /// Where sandboxed compilers work: a folder of the gateway's own that the compile users can
    /// search (functions/ may sit under a private folder); the module is moved into the
    /// staging folder afterwards.
    private let workArea = "/tmp/faas-gateway-\(getpid())"
    private var confined: Bool { options.sandbox == .bwrap }
    /// At most `compileJobs` compilers at once; the rest queue (503 when the queue is full).
    private let slots: CompileSlots
    /// Each compiler's cgroup (memory, processes, CPU) and syscall filter; a problem with
    /// either refuses compiles (503) while the sandbox is on.
    private var compilerCgroups: CgroupManager?
    private var confinementProblem: String?
    private var seccompFile: String { workArea + "/seccomp.bpf" }

    init(options: GatewayOptions, store: FunctionStore, loop: EventLoop, log: Logger) {
        self.options = options
        self.store = store
        self.loop = loop
        self.log = log
        slots = CompileSlots(jobs: options.compileJobs)
        if options.sandbox == .bwrap {
            var problems: [String] = []
            // Work areas of gateways that died without removing theirs.
            for name in (try? FileManager.default.contentsOfDirectory(atPath: "/tmp")) ?? [] where name.hasPrefix("faas-gateway-") {
                guard let pid = pid_t(name.dropFirst("faas-gateway-".count)), kill(pid, 0) != 0, errno == ESRCH else { continue }
                try? FileManager.default.removeItem(atPath: "/tmp/\(name)")
            }
            try? FileManager.default.removeItem(atPath: workArea)
            if mkdir(workArea, 0o755) != 0 || chmod(workArea, 0o755) != 0 { problems.append("cannot create \(workArea): errno \(errno)") }
            do { compilerCgroups = try CgroupManager(role: "gateway") } catch { problems.append("\(error)") }
            do { try SeccompFilter.export(to: seccompFile) } catch { problems.append("cannot build the seccomp filter: \(error)") }
            confinementProblem = problems.isEmpty ? nil : problems.joined(separator: "; ")
            if let confinementProblem { log.warn("C and Rust deploys are refused: \(confinementProblem)") }
        }
    }

    deinit {
        compilerCgroups?.removeAll()
        try? FileManager.default.removeItem(atPath: workArea)
    }

    /// 507 when the functions folder holds more than the quota plus `adding` (`StorageMeter`:
    /// a recent walk plus what was published since). Runs on the blocking-work thread.
    private static func overQuota(store: FunctionStore, quota: Int, adding: Int) -> Failure? {
        let used = store.storage.used()
        guard used + adding > quota else { return nil }
        return Failure(status: HTTPStatus(code: 507), message: "the functions folder would hold \((used + adding) >> 20) MiB, "
                       + "over its \(quota >> 20) MiB quota (FAAS_MAX_STORAGE): delete functions or raise the quota")
    }

    func deploy(_ request: Request, completion: @escaping (Result<FunctionMetadata, Failure>) -> Void) {
        let existing = store.latest(name: request.name)
        if reserved.contains(request.name) || (!request.update && (existing != nil || store.function(id: request.name) != nil)) {
            completion(.failure(Failure(status: .conflict, message: "a function named \(request.name.debugDescription) already exists")))
            return
        }
        if request.update && existing == nil {
            completion(.failure(Failure(status: .notFound, message: "no function named \(request.name.debugDescription) to update")))
            return
        }
        if request.source.isEmpty {
            completion(.failure(Failure(status: .badRequest, message: "the request body (the function's source) is empty")))
            return
        }
        let source = request.detectionSource
        var chosen: DeployPlan?
        // An update that names no mode nor entrypoint keeps the previous ones while they still fit.
        if request.update, request.mode == nil, request.entrypoint == nil, let existing, existing.language == request.language,
           case .success(let kept) = DeployPlan.decide(language: request.language, requested: existing.mode,
                                                       entrypoint: existing.mode == .export ? existing.entrypoint : nil, source: source) {
            chosen = kept
        }
        if chosen == nil {
            switch DeployPlan.decide(language: request.language, requested: request.mode, entrypoint: request.entrypoint, source: source) {
            case .success(let decided): chosen = decided
            case .failure(let failure): return completion(.failure(failure))
            }
        }
        guard var decided = chosen else { return }
        // A bundle's handler may be named (`path/file.NAME`): kept as the entrypoint; an update
        // that names none keeps the previous handler's name.
        if !request.language.compilesToWasm, decided.mode == .handler {
            if request.bundle != nil, let name = request.entrypoint {
                decided.entrypoint = name
            } else if request.update, request.entrypoint == nil, let existing, existing.mode == .handler, existing.language == request.language {
                decided.entrypoint = existing.entrypoint
            }
        }
        let plan = decided
        // The quota walks the whole functions folder and staging writes the source (a bundle's
        // tree: many files, each fsynced): both on the blocking-work thread, so a big store or a
        // slow disk never freezes HTTP. The name is reserved from here on.
        reserved.insert(request.name)
        let (store, quota, language, body) = (self.store, options.maxStorage, request.language, request.source)
        let (bundle, entryFile, adding) = (request.bundle, request.entryFile, request.source.count * (request.bundle == nil ? 1 : 2))
        loop.runBlocking({ () -> Result<StagedFunction, Failure> in
            if let failure = Self.overQuota(store: store, quota: quota, adding: adding) { return .failure(failure) }
            do {
                if let bundle, let entryFile { return .success(try store.stage(language: language, bundle: bundle, entryFile: entryFile)) }
                return .success(try store.stage(language: language, source: body))
            } catch {
                return .failure(Failure(status: .internalServerError, message: "cannot store the function: \(error)"))
            }
        }, then: { [unowned self] staged in
            switch staged {
            case .success(let staged):
                self.build(request, existing: existing, plan: plan, staged: staged, completion: completion)
            case .failure(let failure):
                self.reserved.remove(request.name)
                if failure.status == .internalServerError { self.log.error("cannot stage function", ["name": request.name, "error": failure.message]) }
                completion(.failure(failure))
            }
        })
    }

    /// From the staged source to the published function: compile (C, C++, Rust, Go), then
    /// publish on the blocking-work thread. The name is reserved until the answer is back.
    private func build(_ request: Request, existing: FunctionMetadata?, plan: DeployPlan, staged: StagedFunction,
                       completion: @escaping (Result<FunctionMetadata, Failure>) -> Void) {
        // Succeeds with the compiled module's file name (C, C++, Rust) or nil (JS, Python, Go).
        let finish: (Result<String?, Failure>) -> Void = { [unowned self] outcome in
            switch outcome {
            case .failure(let failure):
                self.reserved.remove(request.name)
                self.store.discard(staged)
                completion(.failure(failure))
            case .success where request.cancellation.isCancelled:
                self.reserved.remove(request.name)
                self.store.discard(staged)
                completion(.failure(.cancelled))
            case .success(let wasm):
                // Four fsyncs under a blocking flock: on the blocking-work thread, so a slow
                // disk never freezes HTTP. The name stays reserved until the answer is back.
                let (store, name, timeout, memory, update, concurrency) = (self.store, request.name, request.timeout, request.memory, request.update,
                                                                        request.concurrency)
                let (access, cpu, event) = (request.access ?? FunctionAccess(existing), request.cpu, request.event)
                let (env, secrets, template) = (request.env, request.secrets, request.update ? existing : nil)
                let (quota, keep) = (self.options.maxStorage, self.options.maxVersions)
                self.loop.runBlocking({ () -> Result<FunctionMetadata, any Error> in
                    do {
                        // The quota again, now that the compiled module is in staging too (the
                        // meter's walk may predate it: the staged folder is counted here).
                        let stagedBytes = StorageUsage.bytes(under: staged.directory)
                        if let failure = Self.overQuota(store: store, quota: quota, adding: stagedBytes) {
                            store.discard(staged)
                            return .failure(failure)
                        }
                        let published = try store.publish(staged, name: name, entrypoint: plan.entrypoint, mode: plan.mode, wasm: wasm,
                                                          timeout: timeout, memory: memory, update: update, template: template,
                                                          stagedBytes: stagedBytes) { metadata in
                            access.apply(to: &metadata)
                            // What the request leaves out stays as the previous version had it.
                            if let concurrency { metadata.concurrency = concurrency }
                            if let cpu { metadata.cpu = cpu }
                            if let event { metadata.event = event }
                            if let env { metadata.env = env.isEmpty ? nil : env }
                            if let secrets { metadata.secrets = secrets.isEmpty ? nil : secrets }
                        }
                        // Old versions beyond the bound go; a failure there leaves them, harmlessly.
                        try? store.prune(name: name, keep: keep)
                        return .success(published)
                    } catch {
                        store.discard(staged)
                        return .failure(error)
                    }
                }, then: { [unowned self] published in
                    self.reserved.remove(name)
                    switch published {
                    case .success(let metadata):
                        completion(.success(metadata))
                    case .failure(StoreError.duplicateName(let name)):
                        completion(.failure(Failure(status: .conflict, message: "a function named \(name.debugDescription) already exists")))
                    case .failure(StoreError.notFound(let name)):
                        completion(.failure(Failure(status: .notFound, message: "no function named \(name.debugDescription) to update")))
                    case .failure(let failure as Failure):
                        completion(.failure(failure))
                    case .failure(let error):
                        self.log.error("cannot publish function", ["name": name, "error": error])
                        completion(.failure(Failure(status: .internalServerError, message: "cannot store the function: \(error)")))
                    }
                })
            }
        }
        guard request.language.compilesToWasm || request.language.compilesToNative else {
            finish(.success(nil))
            return
        }
        // Every compiler (clang, rustc, go) takes a compile slot: its user, cgroup and folder.
        let queued = slots.acquire { [unowned self] slot in
            let done: (Result<String?, Failure>) -> Void = { outcome in
                request.cancellation.onCancel = nil
                self.slots.release(slot)
                if case .failure(let failure) = outcome, failure.status.code == Failure.cancelled.status.code {
                    self.log.info("deploy cancelled: its client left", ["name": request.name])
                }
                finish(outcome)
            }
            // Its client left while it waited: the slot goes straight to the next one.
            if request.cancellation.isCancelled {
                done(.failure(.cancelled))
            } else if request.language.compilesToNative {
                self.buildNative(request, staged, plan.mode, slot: slot, done)
            } else {
                self.compile(request, staged, plan.wasmBuild, slot: slot, done)
            }
        }
        if !queued {
            finish(.failure(Failure(status: .serviceUnavailable, message: "\(slots.jobs) compilers are running and \(slots.queued) deploys "
                                    + "are waiting (FAAS_COMPILE_JOBS): try again later")))
        }
    }

    /// Makes an older version current again: its folder (code, bundle, compiled artifacts) is
    /// copied into staging and published as a new version with that version's settings. No
    /// compile: the artifacts were checked when that version was deployed.
    func rollback(to target: FunctionMetadata, completion: @escaping (Result<FunctionMetadata, Failure>) -> Void) {
        guard !reserved.contains(target.name) else {
            return completion(.failure(Failure(status: .conflict, message: "a deploy of \(target.name.debugDescription) is under way")))
        }
        reserved.insert(target.name)
        let (store, keep, quota) = (self.store, options.maxVersions, options.maxStorage)
        loop.runBlocking({ () -> Result<FunctionMetadata, any Error> in
            Result {
                if let failure = Self.overQuota(store: store, quota: quota, adding: target.size) { throw failure }
                let staged = try store.stageCopy(of: target)
                do {
                    let published = try store.publish(staged, name: target.name, entrypoint: target.entrypoint, mode: target.mode, wasm: target.wasm,
                                                      timeout: target.timeout, memory: target.memory, update: true, template: target)
                    try? store.prune(name: target.name, keep: keep)
                    return published
                } catch {
                    store.discard(staged)
                    throw error
                }
            }
        }, then: { [unowned self] outcome in
            self.reserved.remove(target.name)
            switch outcome {
            case .success(let metadata): completion(.success(metadata))
            case .failure(let failure as Failure): completion(.failure(failure))
            case .failure(StoreError.notFound(let name)): completion(.failure(Failure(status: .notFound, message: "no function named \(name.debugDescription)")))
            case .failure(let error):
                self.log.error("cannot roll back", ["name": target.name, "error": error])
                completion(.failure(Failure(status: .internalServerError, message: "cannot store the function: \(error)")))
            }
        })
    }

    /// Go: `go build` in the compiler sandbox (`GoBuild`), confined as clang and rustc are (the
    /// slot's folder, user, cgroup and the seccomp filter); the executable is the artifact, moved
    /// into the staging folder. The build folder (module files, cache) goes before publishing:
    /// only the source and `code` stay.
    private func buildNative(_ request: Request, _ staged: StagedFunction, _ mode: FunctionMode, slot: Int,
                             _ finish: @escaping (Result<String?, Failure>) -> Void) {
        let workspace = confined ? "\(workArea)/slot-\(slot)" : staged.directory
        let build = GoBuild(workspace: workspace, mode: mode, sandbox: options.sandbox, tree: request.bundle == nil ? nil : staged.treePath)
        let cleanUp: @Sendable () -> Void = { [buildDirectory = build.buildDirectory, staging = staged.directory] in
            if workspace != staging { Self.reclaimAndRemove(workspace) } else { _ = try? FileManager.default.removeItem(atPath: buildDirectory) }
        }
        let spawn: SpawnRequest
        do {
            guard access(options.go, X_OK) == 0 else {
                throw WasmToolchain.ToolchainError.missing("no go command at \(options.go) (Debian golang-go; set --go / FAAS_GO)")
            }
            if confined {
                if let confinementProblem { throw CgroupError.confinementUnusable(confinementProblem) }
                Self.reclaimAndRemove(workspace)
                try syscall("mkdir") { mkdir(workspace, 0o700) }
            }
            try build.writeFiles(source: request.source)
            var policy = build.policy(options)
            if confined {
                // The slot's user owns its folder and the build folder (go writes its cache there).
                let uid = SandboxPolicy.compilerUID(slot: slot)
                for folder in [workspace, build.buildDirectory] { try syscall("chown") { chown(folder, uid, uid) } }
                try confine(&policy, slot: slot)
            }
            let environment = build.environment
            let sandboxed = try policy.command(program: build.arguments(go: options.go), environment: environment)
            spawn = SpawnRequest(executable: sandboxed.executable, arguments: sandboxed.arguments, environment: environment)
        } catch {
            cleanUp()
            return finish(.failure(Self.cannotCompile(request.language, error)))
        }
        let started = EventLoop.now()
        do {
            let run = try ToolRun.start(spawn, timeout: options.compileTimeout, loop: loop) { [unowned self] outcome in
                // The slot folder back from the compile user, so the executable can be reached.
                if workspace != staged.directory { Self.reclaim(workspace) }
                // Diagnostics name the files as the user knows them: code.go, not the module's layout.
                let diagnostics = Self.diagnostics(outcome.output, workspace: workspace)
                    .replacingOccurrences(of: build.inside + "/" + GoBuild.folder + "/", with: "")
                    .replacingOccurrences(of: mode == .handler ? "function/handler.go" : (build.isBundle ? "\u{0}" : "main.go"), with: staged.language.sourceFile)
                let fail = { (failure: Failure) in
                    cleanUp()
                    finish(.failure(failure))
                }
                if outcome.cancelled { return fail(.cancelled) }
                if outcome.timedOut {
                    return fail(Failure(status: .unprocessableContent, message: "compilation timed out after \(self.options.compileTimeout) s"))
                }
                guard outcome.status.isSuccess, access(build.binaryPath, X_OK) == 0 else {
                    return fail(Failure(status: .unprocessableContent, message: "compilation failed", details: diagnostics))
                }
                var info = stat()
                if lstat(build.binaryPath, &info) == 0, Int(info.st_size) > self.options.maxModule {
                    return fail(Failure(status: .unprocessableContent, message: "the compiled executable is \(info.st_size) bytes, over the "
                                        + "\(self.options.maxModule)-byte limit (FAAS_MAX_MODULE)"))
                }
                self.log.info("compiled", ["name": request.name, "language": request.language.rawValue,
                                           "ms": Int((EventLoop.now() - started) * 1000)])
                let (binary, artifact) = (build.binaryPath, staged.directory + "/" + Language.nativeArtifact)
                self.loop.runBlocking({ () -> Result<Void, any Error> in
                    // publish fsyncs the folder, not this file (its `wasm` is C's, C++'s and Rust's).
                    Result {
                        if binary != artifact {
                            try FileManager.default.moveItem(atPath: binary, toPath: artifact)
                            try syscall("lchown") { lchown(artifact, getuid(), getgid()) }
                        }
                        cleanUp()
                        try FunctionStore.syncFile(artifact)
                    }
                }, then: { moved in
                    switch moved {
                    case .success: finish(.success(nil))
                    case .failure(let error):
                        cleanUp()
                        finish(.failure(Failure(status: .internalServerError, message: "cannot store the function: \(error)")))
                    }
                })
            }
            request.cancellation.onCancel = { run.cancel() }
        } catch {
            cleanUp()
            finish(.failure(Failure(status: .serviceUnavailable, message: "cannot run the compiler: \(error)")))
        }
    }

    /// What every confined compiler run gets, clang, rustc or go: its slot's cgroup and user,
    /// the seccomp filter and a bounded /tmp.
    private func confine(_ policy: inout SandboxPolicy, slot: Int) throws {
        policy.cgroup = try compilerCgroups?.create(name: "compile-\(slot)", limits: SandboxPolicy.compilerCgroupLimits)
        policy.uid = SandboxPolicy.compilerUID(slot: slot)
        policy.seccompFile = seccompFile
        policy.tmpfsSizeMiB = SandboxPolicy.compilerAddressSpaceMiB
    }

    /// 503 for a compiler that cannot be started: its confinement failed (fails closed:
    /// compilers never run unconfined unless FAAS_SANDBOX=none says so) or its toolchain is missing.
    private static func cannotCompile(_ language: Language, _ error: Error) -> Failure {
        switch error {
        case is SandboxError, is CgroupError:
            return Failure(status: .serviceUnavailable, message: "cannot compile: \(error)")
        default:
            return Failure(status: .serviceUnavailable, message: "the \(language.rawValue) toolchain is not available: \(error)")
        }
    }

    private func compile(_ request: Request, _ staged: StagedFunction, _ build: WasmInvocation.Mode, slot: Int,
                         _ finish: @escaping (Result<String?, Failure>) -> Void) {
        let sandboxed: (executable: String, arguments: [String])
        let workspace = confined ? "\(workArea)/slot-\(slot)" : staged.directory
        let source = "\(workspace)/\(request.language.sourceFile)", output = "\(workspace)/code.wasm"
        // A bundle compiles from its tree (copied whole into a confined compiler's slot).
        let bundled = staged.bundle != nil
        let treeRoot = confined ? workspace : staged.treePath
        let bundleSources = bundled ? Self.bundleSources(request) : []
        let buildLanguage = request.language == .c && bundleSources.contains(where: Language.isCxxSource) ? Language.cpp : request.language
        let cleanUp = { if workspace != staged.directory { Self.reclaimAndRemove(workspace) } }
        let environment = ["PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8"]
        do {
            if !sysrootReady {
                try WasmToolchain.ensureSysroot(at: sysroot)
                sysrootReady = true
            }
            if confined {
                if let confinementProblem { throw CgroupError.confinementUnusable(confinementProblem) }
                // The slot's own folder, lent to its unprivileged user: its only writable place.
                Self.reclaimAndRemove(workspace)
                if bundled {
                    try FileManager.default.copyItem(atPath: staged.treePath, toPath: workspace)
                    try syscall("chmod") { chmod(workspace, 0o700) }
                } else {
                    try syscall("mkdir") { mkdir(workspace, 0o700) }
                    try FileManager.default.copyItem(atPath: staged.sourcePath, toPath: source)
                }
                let uid = SandboxPolicy.compilerUID(slot: slot)
                try syscall("chown") { chown(workspace, uid, uid) }
            }
            let sources = bundled ? bundleSources.map { "\(treeRoot)/\($0)" } : [source]
            let command = try WasmToolchain.commands(language: buildLanguage, build: build, sources: sources, includes: bundled ? [treeRoot] : [],
                                                     output: output, sysroot: sysroot, tools: options.toolchain)
            var policy = SandboxPolicy.compiler(mode: options.sandbox, tools: options.sandboxTools,
                                                toolchain: try options.toolchain.executables(language: buildLanguage),
                                                sysroot: sysroot, staging: workspace, timeout: options.compileTimeout)
            if confined { try confine(&policy, slot: slot) }
            sandboxed = try policy.command(program: [command.executable] + command.arguments, environment: environment)
        } catch {
            finish(.failure(Self.cannotCompile(request.language, error)))
            return
        }
        let spawn = SpawnRequest(executable: sandboxed.executable, arguments: sandboxed.arguments, environment: environment)
        let started = EventLoop.now()
        do {
            let run = try ToolRun.start(spawn, timeout: options.compileTimeout, loop: loop) { [unowned self] outcome in
                // The slot folder back from the compile user: the gateway (no CAP_DAC_OVERRIDE
                // under systemd) could not otherwise reach the module in it.
                if workspace != staged.directory { Self.reclaim(workspace) }
                let diagnostics = Self.diagnostics(outcome.output, workspace: bundled ? treeRoot : workspace)
                // The module moves into the staging folder (as the gateway's); the rest goes.
                let moved = { () -> Bool in
                    guard workspace != staged.directory else { return true }
                    defer { cleanUp() }
                    guard (try? FileManager.default.moveItem(atPath: output, toPath: staged.wasmPath)) != nil else { return false }
                    return lchown(staged.wasmPath, getuid(), getgid()) == 0
                }
                if outcome.cancelled {
                    cleanUp()
                    finish(.failure(.cancelled))
                } else if outcome.timedOut {
                    cleanUp()
                    finish(.failure(Failure(status: .unprocessableContent, message: "compilation timed out after \(self.options.compileTimeout) s")))
                } else if !outcome.status.isSuccess || access(output, F_OK) != 0 {
                    cleanUp()
                    finish(.failure(Failure(status: .unprocessableContent, message: "compilation failed", details: diagnostics)))
                } else if let size = try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int,
                          size > self.options.maxModule {
                    cleanUp()
                    finish(.failure(Failure(status: .unprocessableContent, message: "the compiled module is \(size) bytes, over the "
                                            + "\(self.options.maxModule)-byte limit (FAAS_MAX_MODULE)")))
                } else if !moved() {
                    finish(.failure(Failure(status: .internalServerError, message: "cannot store the compiled module")))
                } else {
                    self.log.info("compiled", ["name": request.name, "language": request.language.rawValue,
                                               "ms": Int((EventLoop.now() - started) * 1000)])
                    self.precompile(staged, build, request.cancellation, finish)
                }
            }
            request.cancellation.onCancel = { run.cancel() }
        } catch {
            cleanUp()
            finish(.failure(Failure(status: .serviceUnavailable, message: "cannot run the compiler: \(error)")))
        }
    }

    /// Asks `faas-worker --precompile` to check the module with the engine (its imports, its
    /// entry) and store it serialized, so a worker's first call skips compilation. No engine
    /// here refuses the deploy (503): an unchecked module is never stored.
    private func precompile(_ staged: StagedFunction, _ build: WasmInvocation.Mode, _ cancellation: DeployCancellation,
                            _ finish: @escaping (Result<String?, Failure>) -> Void) {
        guard !cancellation.isCancelled else { return finish(.failure(.cancelled)) }
        var export = ""
        if case .export(let name) = build { export = name }
        // The same engine settings as the workers', so the prepared module loads there.
        var arguments = ["--precompile", staged.directory, "--entrypoint", export,
                         "--wasm-pooling", options.wasmPooling ? "on" : "off", "--log-level", "\(options.logLevel)"]
        if let library = options.wasmLibrary { arguments += ["--wasm-library", library] }
        do {
            let command = try options.sandboxTools.dieWithParent([options.workerPath] + arguments)
            let spawn = SpawnRequest(executable: command.executable, arguments: command.arguments, environment: ["HOME": "/tmp"])
            let run = try ToolRun.start(spawn, timeout: 60, loop: loop) { outcome in
                let message = String(decoding: outcome.output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                if outcome.cancelled { return finish(.failure(.cancelled)) }
                switch outcome.status {
                case .exited(0):
                    finish(.success("code.wasm"))
                case .exited(WorkerExit.noEngine):
                    finish(.failure(Failure(status: .serviceUnavailable, message: "no wasm engine is loaded, so the module cannot be checked: \(message)")))
                default:
                    finish(.failure(Failure(status: .unprocessableContent, message: "the compiled module cannot run here", details: message)))
                }
            }
            cancellation.onCancel = { run.cancel() }
        } catch {
            finish(.failure(Failure(status: .serviceUnavailable, message: "cannot run the precompiler \(options.workerPath): \(error)")))
        }
    }

    /// Compiler output with the staging folder's path taken out: users see `code.c:3:5: error`.
    /// Removes a slot folder lent to a compile user. Under systemd the gateway has CAP_CHOWN
    /// but not CAP_DAC_OVERRIDE: it cannot list or empty a folder of that user's (0700), so it
    /// takes each folder back (folder first, then what is inside) before removing it.
    private static func reclaimAndRemove(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            reclaim(path)
            for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] {
                reclaimAndRemove("\(path)/\(name)")
            }
        }
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Makes a folder lent to a compile user the gateway's again (CAP_CHOWN is enough).
    private static func reclaim(_ folder: String) {
        _ = lchown(folder, geteuid(), getegid())
        _ = chmod(folder, 0o700)
    }

    /// The files a bundle compiles, relative to its root: every C and C++ source (C, C++), or
    /// the entry file, whose `mod` declarations rustc follows (Rust).
    private static func bundleSources(_ request: Request) -> [String] {
        guard let bundle = request.bundle, let entryFile = request.entryFile else { return [] }
        guard request.language != .rust else { return [entryFile] }
        return bundle.filePaths.filter { request.language.sourceExtensions.contains(($0 as NSString).pathExtension) }
    }

    private static func diagnostics(_ output: [UInt8], workspace: String) -> String {
        String(decoding: output, as: UTF8.self).replacingOccurrences(of: workspace + "/", with: "")
    }
}
