/// A token bucket: `rate` tokens a second, holding at most `burst`.
struct TokenBucket: Sendable {
    let rate: Double
    let burst: Double
    private(set) var tokens: Double
    private var updated: Double

    init(rate: Double, burst: Double, now: Double) {
        self.rate = rate
        self.burst = max(1, burst)
        self.tokens = self.burst
        self.updated = now
    }

    private mutating func refill(now: Double) {
        tokens = min(burst, tokens + max(0, now - updated) * rate)
        updated = now
    }

    /// Takes one token; otherwise the seconds until one is there.
    mutating func take(now: Double) -> Double? {
        refill(now: now)
        if tokens >= 1 {
            tokens -= 1
            return nil
        }
        return (1 - tokens) / rate
    }

    /// Seconds until a token is there (0 when one is), without taking it.
    mutating func wait(now: Double) -> Double {
        refill(now: now)
        return tokens >= 1 ? 0 : (1 - tokens) / rate
    }

    mutating func isFull(now: Double) -> Bool {
        refill(now: now)
        return tokens >= burst
    }
}
