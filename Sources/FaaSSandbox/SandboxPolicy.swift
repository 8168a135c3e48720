/// How one untrusted process is confined: a JS or Python function (as an unprivileged user of
/// its own) or a compiler reading a deploy's source. The one command builder for both: it
/// runs the program under `setpriv` (user, no capabilities, parent-death signal), `prlimit`
/// (resource limits) and bubblewrap (no network, its own PID namespace and /tmp, no
/// capabilities, a read-only view of /usr plus exactly the paths it is given).
///
/// Fails closed: a tool that is missing is an error naming it; only `mode == .none` (rlimits
/// only, the explicit way out) builds a command without bubblewrap.
public struct SandboxPolicy: Sendable {
    public var mode: SandboxMode
    public var tools: SandboxTools
    /// The host user the process runs as (never root); nil keeps the caller's user.
    public var uid: UInt32?
    /// Address-space limit in MiB (RLIMIT_AS).
    public var addressSpaceMiB: Int
    /// CPU seconds per process (RLIMIT_CPU).
    public var cpuSeconds: Int
    /// Processes and threads of that user (RLIMIT_NPROC); nil: unlimited.
    public var maxProcesses: Int?
    /// Open descriptors (RLIMIT_NOFILE); nil: inherited.
    public var maxOpenFiles: Int?
    /// Largest file it may write (RLIMIT_FSIZE), MiB.
    public var maxFileSizeMiB: Int
    /// Host paths bound read-only into the sandbox: (host, inside).
    public var readOnlyBinds: [(host: String, inside: String)]
    /// Host paths bound writable (a compiler's staging folder).
    public var writableBinds: [(host: String, inside: String)]
    /// Empty folders made inside the sandbox (mount points such as `/fn`).
    public var directories: [String]
    /// The working directory inside the sandbox.
    public var workingDirectory: String
    /// SIGKILL when the process that started it dies (even by SIGKILL).
    public var dieWithParent: Bool
    /// The cgroup it joins before anything else runs (so what it forks is in it too); nil: none.
    public var cgroup: Cgroup?
    /// The seccomp filter (BPF, `SeccompFilter.export`) bubblewrap loads; nil: none.
    public var seccompFile: String?
    /// Size of each writable tmpfs (/tmp), MiB; nil: the kernel's default (half of RAM).
    public var tmpfsSizeMiB: Int?

    public init(mode: SandboxMode = .bwrap, tools: SandboxTools = SandboxTools(), uid: UInt32? = nil, addressSpaceMiB: Int, cpuSeconds: Int,
                maxProcesses: Int? = 64, maxOpenFiles: Int? = 256, maxFileSizeMiB: Int = 64,
                readOnlyBinds: [(host: String, inside: String)] = [], writableBinds: [(host: String, inside: String)] = [],
                directories: [String] = ["/fn"], workingDirectory: String = "/tmp", dieWithParent: Bool = false) {
        self.mode = mode
        self.tools = tools
        self.uid = uid
        self.addressSpaceMiB = addressSpaceMiB
        self.cpuSeconds = cpuSeconds
        self.maxProcesses = maxProcesses
        self.maxOpenFiles = maxOpenFiles
        self.maxFileSizeMiB = maxFileSizeMiB
        self.readOnlyBinds = readOnlyBinds
        self.writableBinds = writableBinds
        self.directories = directories
        self.workingDirectory = workingDirectory
        self.dieWithParent = dieWithParent
    }

    /// The descriptor the launcher opens the seccomp filter on for bubblewrap.
    static let seccompDescriptor = 9

    /// Joins the cgroup (`echo $$` into each cgroup.procs: the shell, then everything it execs
    /// and forks) and opens the seccomp filter on fd 9, then execs the rest of the chain. A
    /// shell, as the spawner runs no code of ours between fork and exec.
    static let launcher = """
        n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 125; shift; n=$((n-1)); done; \
        if [ "$1" != - ]; then exec 9< "$1" || exit 125; fi; shift; exec "$@"
        """

    /// The full command line that runs `program` (absolute path first) under this policy, with
    /// exactly `environment`. Throws `SandboxError` when a tool it needs is missing.
    public func command(program: [String], environment: [String: String]) throws -> (executable: String, arguments: [String]) {
        let isolated = mode == .bwrap
        let user = isolated ? uid : nil
        var needed: [KeyPath<SandboxTools, String>] = [\.prlimit]
        if user != nil || dieWithParent { needed.insert(\.setpriv, at: 0) }
        needed.append(isolated ? \.bwrap : \.env)
        try tools.require(needed)

        var chain: [String] = []
        let filter = isolated ? seccompFile : nil
        if cgroup != nil || filter != nil {
            try tools.require([\.shell])
            let procs = cgroup?.procsFiles ?? []
            chain += [tools.shell, "-c", Self.launcher, "faas-sandbox", String(procs.count)] + procs + [filter ?? "-"]
        }
        if user != nil || dieWithParent {
            chain.append(tools.setpriv)
            if dieWithParent { chain += ["--pdeathsig", "KILL"] }
            if let user { chain += ["--reuid=\(user)", "--regid=\(user)", "--clear-groups", "--inh-caps=-all"] }
            chain.append("--")
        }
        chain += [tools.prlimit, "--as=\(addressSpaceMiB << 20)", "--cpu=\(cpuSeconds)"]
        // RLIMIT_NPROC counts per user: only meaningful for a user of its own.
        if let maxProcesses, user != nil { chain.append("--nproc=\(maxProcesses)") }
        if let maxOpenFiles { chain.append("--nofile=\(maxOpenFiles)") }
        chain += ["--fsize=\(maxFileSizeMiB << 20)", "--core=0", "--"]
        let variables = environment.sorted(by: { $0.key < $1.key })
        if isolated {
            chain += [tools.bwrap, "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
                      "--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
                      "--symlink", "usr/bin", "/bin", "--proc", "/proc", "--dev", "/dev"]
            if let tmpfsSizeMiB { chain += ["--size", String(tmpfsSizeMiB << 20)] }
            chain += ["--tmpfs", "/tmp"]
            if filter != nil {
                // No user namespace of its own inside (the filter refuses them too).
                chain += ["--unshare-user", "--disable-userns", "--seccomp", String(Self.seccompDescriptor)]
            }
            for directory in directories { chain += ["--dir", directory] }
            for bind in readOnlyBinds { chain += ["--ro-bind", bind.host, bind.inside] }
            for bind in writableBinds { chain += ["--bind", bind.host, bind.inside] }
            chain += ["--chdir", workingDirectory, "--clearenv"]
            for (key, value) in variables { chain += ["--setenv", key, value] }
            chain.append("--")
        } else {
            // Still limited, just not isolated.
            chain += [tools.env, "-i"] + variables.map { "\($0.key)=\($0.value)" }
        }
        chain += program
        return (chain[0], Array(chain.dropFirst()))
    }
}
