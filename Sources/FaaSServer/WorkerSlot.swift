import FaaSSystem
import FaaSProtocol
import Glibc

/// One pre-forked worker position. The slot keeps its id across restarts; each process that
/// fills it has its own pid and pipes.
final class WorkerSlot {
    let id: Int
    var pid: pid_t = 0
    var process: ChildProcess?
    var channel: MessageChannel?
    /// Server-side ids of the jobs written to this worker, oldest (running) first.
    var jobs: [UInt64] = []
    /// The job the worker's deadline is armed for (the running one): the worker is killed if
    /// it overstays its time limit.
    var timedJob: UInt64?
    /// Whether the load balancer knows this process.
    var registered = false
    var startedAt = 0.0
    /// Consecutive quick deaths, for restart back-off.
    var quickDeaths = 0
    /// Scaled down: not registered again, not restarted when it exits.
    var retired = false
    /// When its last job ended (or it became ready), for scaling down.
    var idleSince = 0.0

    init(id: Int) { self.id = id }

    var isAlive: Bool { pid > 0 }
}
