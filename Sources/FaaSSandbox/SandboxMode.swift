import FaaSSystem

/// How untrusted code (functions, and the compilers reading their source) is confined.
public enum SandboxMode: String, Sendable {
    /// bubblewrap namespaces (no network, own PID namespace, read-only /usr), an unprivileged
    /// user for functions, and rlimits. Missing tools fail the call: never a silent fallback.
    case bwrap
    /// rlimits only: the code runs as the daemon's own user (root under a plain `scripts/run`)
    /// with the host's network and files. The one explicit way out, for machines without user
    /// namespaces; never for untrusted code.
    case none
}
