/// How one JS or Python function process is confined. The command built from it runs the
/// program as an unprivileged user (`setpriv`), under resource limits (`prlimit`), inside
/// bubblewrap namespaces: no network, its own PID namespace and /tmp, no capabilities, and a
/// read-only view of /usr plus exactly the files it is given.
public struct SandboxPolicy: Sendable {
    /// The host user the function runs as (one per warm runtime, never root).
    public var uid: UInt32
    /// Address-space limit in MiB (RLIMIT_AS).
    public var addressSpaceMiB: Int
    /// CPU seconds per process (RLIMIT_CPU).
    public var cpuSeconds: Int
    /// Processes and threads of that user (RLIMIT_NPROC).
    public var maxProcesses: Int
    public var maxOpenFiles: Int
    /// Largest file it may write (RLIMIT_FSIZE), MiB; /tmp is a private tmpfs.
    public var maxFileSizeMiB: Int
    /// Host paths bound read-only into the sandbox: (host, inside).
    public var readOnlyBinds: [(host: String, inside: String)]

    public init(uid: UInt32, addressSpaceMiB: Int, cpuSeconds: Int, maxProcesses: Int = 64, maxOpenFiles: Int = 256,
                maxFileSizeMiB: Int = 64, readOnlyBinds: [(host: String, inside: String)] = []) {
        self.uid = uid
        self.addressSpaceMiB = addressSpaceMiB
        self.cpuSeconds = cpuSeconds
        self.maxProcesses = maxProcesses
        self.maxOpenFiles = maxOpenFiles
        self.maxFileSizeMiB = maxFileSizeMiB
        self.readOnlyBinds = readOnlyBinds
    }

    /// The full command line that runs `program` under this policy.
    public func command(program: [String], environment: [String: String]) -> (executable: String, arguments: [String]) {
        var arguments = ["--reuid=\(uid)", "--regid=\(uid)", "--clear-groups", "--inh-caps=-all", "--",
                         "prlimit", "--as=\(addressSpaceMiB << 20)", "--cpu=\(cpuSeconds)", "--nproc=\(maxProcesses)",
                         "--nofile=\(maxOpenFiles)", "--fsize=\(maxFileSizeMiB << 20)", "--core=0", "--",
                         "bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
                         "--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
                         "--symlink", "usr/bin", "/bin", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
                         "--dir", "/fn", "--chdir", "/tmp", "--clearenv"]
        for bind in readOnlyBinds { arguments += ["--ro-bind", bind.host, bind.inside] }
        for (key, value) in environment.sorted(by: { $0.key < $1.key }) { arguments += ["--setenv", key, value] }
        arguments.append("--")
        arguments += program
        return ("/usr/bin/setpriv", arguments)
    }
}
