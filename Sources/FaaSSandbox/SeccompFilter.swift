import CSeccomp
import FaaSSystem
import Glibc

/// The syscall filter of every sandboxed runtime and compiler: everything is allowed but a
/// container deny list (Docker's default profile, the calls that reach other processes, the
/// kernel's keyring, new namespaces, mounts, modules and clocks). Built with libseccomp and
/// exported as classic BPF, which bubblewrap loads (`--seccomp FD`) just before it runs the
/// program.
public enum SeccompFilter {
    /// Refused with EPERM.
    public static let denied: [String] = [
        // Reaching another process's memory or tracing it (the warm interpreter a call forks from).
        "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
        // Kernel attack surface a function never needs.
        "perf_event_open", "bpf", "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
        "keyctl", "add_key", "request_key", "lookup_dcookie", "fanotify_init", "open_by_handle_at", "name_to_handle_at",
        // Namespaces and mounts.
        "unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "fsopen", "fsconfig", "fsmount", "fspick",
        "move_mount", "open_tree", "mount_setattr",
        // The machine: modules, kexec, reboot, swap, accounting, clocks, quotas, I/O ports.
        "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "create_module",
        "get_kernel_syms", "query_module", "reboot", "swapon", "swapoff", "acct", "settimeofday", "clock_settime",
        "clock_adjtime", "adjtimex", "quotactl", "iopl", "ioperm", "syslog", "sysfs", "_sysctl", "uselib", "ustat",
        "vhangup", "nfsservctl", "vm86", "vm86old",
    ]

    /// clone flags that make a namespace: clone with any of them is refused.
    public static let namespaceFlags: [UInt64] = [
        0x0002_0000,  // CLONE_NEWNS
        0x0200_0000,  // CLONE_NEWCGROUP
        0x0400_0000,  // CLONE_NEWUTS
        0x0800_0000,  // CLONE_NEWIPC
        0x1000_0000,  // CLONE_NEWUSER
        0x2000_0000,  // CLONE_NEWPID
        0x4000_0000,  // CLONE_NEWNET
    ]

    public enum BuildError: Error, CustomStringConvertible {
        case library(String, Int32)
        public var description: String {
            switch self {
            case .library(let call, let code): return "libseccomp \(call) failed: \(code)"
            }
        }
    }

    /// Writes the filter as BPF into `path` (mode 0644: bubblewrap reads it through a
    /// descriptor the sandbox's launcher opens).
    public static func export(to path: String) throws {
        guard let context = seccomp_init(CSECCOMP_ACT_ALLOW) else { throw BuildError.library("seccomp_init", -1) }
        defer { seccomp_release(context) }
        let eperm = CSECCOMP_ACT_ERRNO_BASE | UInt32(EPERM)
        for name in denied {
            let number = seccomp_syscall_resolve_name(name)
            guard number >= 0 else { continue }  // not a syscall of this architecture
            let result = seccomp_rule_add_array(context, eperm, number, 0, nil)
            guard result == 0 else { throw BuildError.library("seccomp_rule_add(\(name))", result) }
        }
        // clone3 passes its flags in memory, out of the filter's reach: ENOSYS makes libc fall
        // back to clone, whose flags it can see.
        let clone3 = seccomp_syscall_resolve_name("clone3")
        if clone3 >= 0 {
            let result = seccomp_rule_add_array(context, CSECCOMP_ACT_ERRNO_BASE | UInt32(ENOSYS), clone3, 0, nil)
            guard result == 0 else { throw BuildError.library("seccomp_rule_add(clone3)", result) }
        }
        let clone = seccomp_syscall_resolve_name("clone")
        for flag in namespaceFlags {
            var comparison = scmp_arg_cmp(arg: 0, op: CSECCOMP_CMP_MASKED_EQ, datum_a: flag, datum_b: flag)
            let result = seccomp_rule_add_array(context, eperm, clone, 1, &comparison)
            guard result == 0 else { throw BuildError.library("seccomp_rule_add(clone)", result) }
        }
        let fd = try syscall("open") { open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) }
        defer { close(fd) }
        let result = seccomp_export_bpf(context, fd)
        guard result == 0 else { throw BuildError.library("seccomp_export_bpf", result) }
    }
}
