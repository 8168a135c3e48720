import FaaSSystem
import Glibc

/// Whether anything in the auth folder may have changed since the last look: an inotify watch
/// on the folder, read without blocking when a keyed request arrives. The key file is then
/// looked at (stat, re-read if its identity changed) only after a change, instead of a stat per
/// request; a change another gateway made is still seen at the next request (its rename is
/// queued on our watch before that gateway answers). Without inotify, or once the watch is gone
/// (the folder removed), every look says "maybe" and the stat decides, as before.
final class KeyFileWatch {
    private var descriptor: FileDescriptor?
    private var buffer = [UInt8](repeating: 0, count: 4096)

    init(directory: String) {
        guard let fd = try? syscall("inotify_init1", { inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC)) }) else { return }
        let events = UInt32(IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB
            | IN_DELETE_SELF | IN_MOVE_SELF)
        guard (try? syscall("inotify_add_watch", { inotify_add_watch(fd, directory, events) })) != nil else {
            Glibc.close(fd)
            return
        }
        descriptor = FileDescriptor(rawValue: fd)
    }

    deinit { descriptor?.close() }

    /// True when something happened in the folder since the last call (or when that cannot be known).
    func changed() -> Bool {
        guard let descriptor else { return true }
        var any = false
        while true {
            let count: Int
            do {
                count = try syscall("read(inotify)") { buffer.withUnsafeMutableBytes { Glibc.read(descriptor.rawValue, $0.baseAddress, $0.count) } }
            } catch let error as SystemError where error.errno == EAGAIN {
                return any
            } catch {
                return giveUp()
            }
            guard count > 0 else { return any }
            any = true
            if watchEnded(in: count) { return giveUp() }
        }
    }

    /// Whether the events read say the folder's watch is gone (or some were lost: look anyway).
    private func watchEnded(in count: Int) -> Bool {
        var offset = 0
        let header = MemoryLayout<inotify_event>.size
        while offset + header <= count {
            let event = buffer.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: inotify_event.self) }
            if event.mask & UInt32(IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF) != 0 { return true }
            offset += header + Int(event.len)
        }
        return false
    }

    private func giveUp() -> Bool {
        descriptor?.close()
        descriptor = nil
        return true
    }
}
