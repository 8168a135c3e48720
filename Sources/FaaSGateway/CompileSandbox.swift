import FaaSSystem
import FaaSProtocol
import FaaSHTTP
import FaaSStore
import FaaSSandbox
import FaaSWasm
import Foundation
import Glibc

/// Compilers read untrusted source (`#include "/etc/..."`, Rust's `include_str!`), so they run
/// in a bubblewrap sandbox that sees the toolchain read-only, the sysroot, and the deploy's own
/// staging folder (the only writable place), with no network, its own PID namespace, no
/// capabilities, and an address-space limit.
enum CompileSandbox {
    static let addressSpaceMiB = 4096

    static func wrap(_ command: (executable: String, arguments: [String]), staging: String, sysroot: String,
                     timeout: Double) -> (executable: String, arguments: [String]) {
        guard access("/usr/bin/bwrap", X_OK) == 0 else { return command }
        var arguments = ["--as=\(addressSpaceMiB << 20)", "--cpu=\(Int(timeout.rounded(.up)) + 5)", "--fsize=\(256 << 20)", "--core=0", "--",
                         "bwrap", "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
                         "--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
                         "--symlink", "usr/bin", "/bin", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
        // A toolchain outside /usr (the Swift toolchain's clang): its whole prefix, read-only.
        let real = (try? FileManager.default.destinationOfSymbolicLink(atPath: command.executable)).map {
            $0.hasPrefix("/") ? $0 : URL(fileURLWithPath: command.executable).deletingLastPathComponent().appendingPathComponent($0).path
        } ?? command.executable
        let prefix = URL(fileURLWithPath: real).deletingLastPathComponent().deletingLastPathComponent().path
        if !prefix.hasPrefix("/usr") && prefix != "/" { arguments += ["--ro-bind", prefix, prefix] }
        arguments += ["--ro-bind", sysroot, sysroot, "--bind", staging, staging, "--chdir", staging, "--clearenv",
                      "--setenv", "PATH", "/usr/bin:/bin", "--setenv", "HOME", "/tmp", "--setenv", "LANG", "C.UTF-8", "--",
                      command.executable]
        arguments += command.arguments
        return ("/usr/bin/prlimit", arguments)
    }
}
