import Glibc

/// The executables a sandbox is built from, by absolute path (never looked up on PATH).
public struct SandboxTools: Sendable, Equatable {
    public var bwrap: String
    public var setpriv: String
    public var prlimit: String
    public var env: String
    /// Runs the launcher that joins a cgroup and opens the seccomp filter.
    public var shell: String

    public init(bwrap: String = "/usr/bin/bwrap", setpriv: String = "/usr/bin/setpriv", prlimit: String = "/usr/bin/prlimit",
                env: String = "/usr/bin/env", shell: String = "/bin/sh") {
        self.bwrap = bwrap
        self.setpriv = setpriv
        self.prlimit = prlimit
        self.env = env
        self.shell = shell
    }

    /// `program` (absolute path first), SIGKILLed when the process that starts it dies (even by
    /// SIGKILL), so nothing runs on with no one to enforce its time limit.
    public func dieWithParent(_ program: [String]) throws -> (executable: String, arguments: [String]) {
        try require([\.setpriv])
        return (setpriv, ["--pdeathsig", "KILL", "--"] + program)
    }

    /// Throws for the first of `names` (bwrap, setpriv, prlimit, env, shell) that cannot be run.
    func require(_ tools: [KeyPath<SandboxTools, String>]) throws {
        for tool in tools {
            let path = self[keyPath: tool]
            guard access(path, X_OK) != 0 else { continue }
            let name: String
            switch tool {
            case \SandboxTools.bwrap: name = "bubblewrap"
            case \SandboxTools.setpriv: name = "setpriv"
            case \SandboxTools.prlimit: name = "prlimit"
            case \SandboxTools.shell: name = "sh"
            default: name = "env"
            }
            throw SandboxError.missingTool(name: name, path: path)
        }
    }
}
