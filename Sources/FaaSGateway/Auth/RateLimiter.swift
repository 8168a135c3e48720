/// Token buckets by key (an API key's id, a client address), created on first use and
/// forgotten once full again, so memory follows the active callers only.
struct RateLimiter {
    private var buckets: [String: TokenBucket] = [:]
    private var lastPrune = 0.0

    /// Takes a token from `key`'s bucket (`rate` a second, one second's worth of burst); nil
    /// when allowed, else the seconds to wait.
    mutating func take(_ key: String, rate: Double, burst: Double? = nil, now: Double) -> Double? {
        prune(now: now)
        var bucket = buckets[key] ?? TokenBucket(rate: rate, burst: burst ?? rate, now: now)
        if bucket.rate != rate { bucket = TokenBucket(rate: rate, burst: burst ?? rate, now: now) }
        let wait = bucket.take(now: now)
        buckets[key] = bucket
        return wait
    }

    /// Seconds until `key` has a token again; 0 when it has one or has no bucket.
    mutating func wait(_ key: String, now: Double) -> Double {
        guard var bucket = buckets[key] else { return 0 }
        let wait = bucket.wait(now: now)
        buckets[key] = bucket
        return wait
    }

    private mutating func prune(now: Double) {
        guard now - lastPrune >= 10 else { return }
        lastPrune = now
        buckets = buckets.filter { _, bucket in
            var bucket = bucket
            return !bucket.isFull(now: now)
        }
    }
}
