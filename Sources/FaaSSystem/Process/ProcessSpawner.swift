import Glibc
import CFaaSSystem

/// Starts processes with posix_spawn. The child gets exactly its three standard descriptors
/// (plus any `extraDescriptors` asked for); everything else is closed (our descriptors are
/// close-on-exec anyway, and closefrom covers any a library opened without it). Signal mask and
/// dispositions are reset, since daemons block signals for their signalfd and ignore SIGPIPE.
public enum ProcessSpawner {
    public static func spawn(_ request: SpawnRequest) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }

        // Which of our descriptors lands on which number in the child (nil: /dev/null).
        var mapping: [(source: FileDescriptor?, target: Int32)] = [
            (request.standardInput, 0), (request.standardOutput, 1), (request.standardError, 2),
        ]
        for extra in request.extraDescriptors where extra.target > 2 { mapping.append((extra.source, extra.target)) }
        // File actions run in order, so a source may sit on a number an earlier dup2 overwrote
        // (a swap of 3 and 4), and a dup2 onto its own number would keep close-on-exec. Every
        // source is therefore first copied above all sources and targets, then onto its target;
        // closefrom drops the copies.
        let highest = mapping.map { max($0.target, $0.source?.rawValue ?? 0) }.max() ?? 2
        var staged: [(copy: Int32?, target: Int32)] = []
        var next = highest + 1
        for (source, target) in mapping {
            guard let source else { staged.append((nil, target)); continue }
            posix_spawn_file_actions_adddup2(&actions, source.rawValue, next)
            staged.append((next, target))
            next += 1
        }
        for (copy, target) in staged {
            if let copy {
                posix_spawn_file_actions_adddup2(&actions, copy, target)
            } else {
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
            }
        }
        let firstUnused = (mapping.map(\.target).max() ?? 2) + 1
        posix_spawn_file_actions_addclosefrom_np(&actions, max(3, firstUnused))

        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        var defaults = Signals.set([SIGPIPE, SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2, SIGQUIT])
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var flags = Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        if request.newProcessGroup {
            flags |= Int32(POSIX_SPAWN_SETPGROUP)
            posix_spawnattr_setpgroup(&attributes, 0)
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let argv = ([request.executable] + request.arguments).map { strdup($0) } + [nil]
        let envp = request.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        // A path with a slash is taken as is; a bare name is looked up on PATH.
        let rc: Int32 = request.executable.contains("/")
            ? posix_spawn(&pid, request.executable, &actions, &attributes, argv, envp)
            : posix_spawnp(&pid, request.executable, &actions, &attributes, argv, envp)
        if rc != 0 { throw SpawnError.failed(request.executable, errno: rc) }
        return pid
    }

    /// Spawns `request` with fresh pipes on the child's descriptors `pipes` asks for, and
    /// returns our ends in the same order. The child's ends are closed here whatever happens
    /// (kept, they would hide the child's death from us); on failure ours are closed too.
    public static func spawn(_ request: SpawnRequest, pipes: [ChildPipe]) throws -> (pid: pid_t, ends: [FileDescriptor]) {
        var ours: [FileDescriptor] = []
        var theirs: [FileDescriptor] = []
        defer { for fd in theirs { fd.close() } }
        var spawn = request
        do {
            for pipe in pipes {
                let (read, write) = try FileDescriptor.pipe()
                let (mine, child) = pipe.direction == .toChild ? (write, read) : (read, write)
                ours.append(mine)
                theirs.append(child)
                for target in pipe.childDescriptors {
                    switch target {
                    case 0: spawn.standardInput = child
                    case 1: spawn.standardOutput = child
                    case 2: spawn.standardError = child
                    default: spawn.extraDescriptors.append((child, target))
                    }
                }
            }
            return (try self.spawn(spawn), ours)
        } catch {
            for fd in ours { fd.close() }
            throw error
        }
    }
}
