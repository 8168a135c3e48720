import CFaaSSystem
import Glibc

/// Malloc tuning for the daemons, which pass payloads of up to megabytes hop to hop: each hop
/// allocates a buffer per request and frees it. glibc serves such buffers with mmap (or trims
/// the heap when they are freed), so every request paid page faults and page zeroing for each
/// megabyte, a third of the gateway's CPU with 1 MiB bodies. Kept in the heap instead, the next
/// request reuses the same pages.
public enum Allocator {
    /// Serves blocks below 32 MiB from the heap and keeps up to `retained` bytes of freed heap
    /// for reuse (the cost: a process that once held large payloads stays that much larger).
    public static func keepLargeBuffers(retained: Int32 = 64 << 20) {
        _ = mallopt(M_MMAP_THRESHOLD, 32 << 20)
        _ = mallopt(M_TRIM_THRESHOLD, retained)
    }
}
