/// How the load balancer picks a worker for an invoke.
public enum Strategy: String, Sendable, CaseIterable {
    /// Round robin: the next worker after the last one picked that has room.
    case rr
    /// The spec's FIFO: the first idle worker in registration order (keeps the fewest busy).
    case fifo
    /// Least loaded: an idle worker (none has more than one job), the one whose recent jobs
    /// took least time; ties go to the worker picked longest ago.
    case weighted
}
