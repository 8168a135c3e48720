import Glibc
import FaaSSystem
import Foundation

/// Who owns a staging folder: `.staging/<name>.claim`, held under an exclusive `flock` by the
/// process deploying into `.staging/<name>` for as long as the deploy runs. The kernel (or, on
/// a shared volume, the file server) drops the lock when that process dies, so a gateway
/// starting up removes exactly the folders nobody owns any more: a crashed deploy's, never the
/// one another gateway on the same folder (another replica on a shared volume) is compiling.
/// The descriptor is close-on-exec: compilers started by the deploy do not keep the claim.
final class StagingClaim: @unchecked Sendable {
    let path: String
    private var descriptor: FileDescriptor?
    private let lock = NSLock()

    private init(path: String, descriptor: FileDescriptor) {
        self.path = path
        self.descriptor = descriptor
    }

    /// The claim file of a staging folder.
    static func path(of directory: String) -> String { directory + ".claim" }

    /// Takes the claim of `directory`, or nil when a live process holds it. Never waits.
    static func take(_ directory: String) throws -> StagingClaim? {
        let path = Self.path(of: directory)
        // Read-write: NFS maps flock to a byte-range write lock, which needs it.
        let fd = try FileDescriptor.open(path, O_RDWR | O_CREAT, mode: 0o600)
        do {
            switch try nonBlockingSyscall("flock", { flock(fd.rawValue, LOCK_EX | LOCK_NB) }) {
            case .processed: return StagingClaim(path: path, descriptor: fd)
            case .wouldBlock:
                fd.close()
                return nil
            }
        } catch {
            fd.close()
            throw error
        }
    }

    /// Removes the claim file, then lets the lock go (in that order, so nobody can lock the
    /// removed file and believe a folder is theirs to delete). Once; later calls do nothing.
    func release() {
        lock.lock()
        defer { lock.unlock() }
        guard let descriptor else { return }
        unlink(path)
        descriptor.close()
        self.descriptor = nil
    }

    deinit {
        // A deploy abandoned without publish or discard: the lock goes, the file stays for
        // the next start-up to find unowned.
        descriptor?.close()
    }
}
