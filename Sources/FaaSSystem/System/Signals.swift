import Glibc

/// Signal masks. Daemons block the signals they handle and read them from a signalfd in the
/// event loop, so no code runs in signal context; children get the default mask back at spawn.
public enum Signals {
    public static func set(_ signals: [Int32]) -> sigset_t {
        var mask = sigset_t()
        sigemptyset(&mask)
        for signal in signals { sigaddset(&mask, signal) }
        return mask
    }

    public static func block(_ signals: [Int32]) throws {
        var mask = set(signals)
        let rc = pthread_sigmask(SIG_BLOCK, &mask, nil)
        if rc != 0 { throw SystemError("pthread_sigmask", errno: rc) }
    }

    /// Writing to a peer that went away must be an EPIPE error, not process death.
    public static func ignoreBrokenPipe() {
        signal(SIGPIPE, SIG_IGN)
    }
}
