import Foundation
import FaaSSystem

/// The functions folder's disk use as the storage quota sees it, without walking the whole
/// tree for every deploy: with 10,000 functions stored a walk per deploy made deploys O(n)
/// (5 a second). A walk is reused for `maxAge` seconds; what this process publishes meanwhile
/// is added to it, what it prunes taken from it, and a delete makes the next check walk again
/// (freed space counts at once).
/// Other processes' writes (another gateway, logs, the invocation database) are seen at the
/// next walk: the quota may be overshot by what they add within `maxAge`. `.staging` is left
/// out: a deploy counts its own staged folder, and another's counts once it is published.
public final class StorageMeter: @unchecked Sendable {
    private let root: String
    private let maxAge: Double
    private let lock = NSLock()
    private var walked: (bytes: Int, at: Double)?
    private var addedSince = 0
    /// Walks of the tree so far (what the tests count).
    private(set) var walks = 0

    public init(root: String, maxAge: Double = 2) {
        self.root = root
        self.maxAge = maxAge
    }

    /// Bytes in use now (a walk when the last one is older than `maxAge`, or was forgotten).
    public func used(now: Double = EventLoop.now()) -> Int {
        lock.withLock {
            if let walked, now - walked.at < maxAge { return walked.bytes + addedSince }
            let bytes = StorageUsage.bytes(under: root, excluding: [".staging"])
            walks += 1
            walked = (bytes, now)
            addedSince = 0
            return bytes
        }
    }

    /// This process stored `bytes` more (a published function's folder).
    public func added(_ bytes: Int) {
        lock.withLock { addedSince += bytes }
    }

    /// This process freed `bytes` (old versions pruned).
    public func removed(_ bytes: Int) {
        lock.withLock { addedSince -= bytes }
    }

    /// Space was freed in a way not measured (a delete): the next check walks.
    public func forget() {
        lock.withLock { walked = nil }
    }
}
