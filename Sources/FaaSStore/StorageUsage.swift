import Foundation
import Glibc

/// Disk space a folder tree takes (allocated blocks, links not followed): what the functions
/// folder's quota counts.
public enum StorageUsage {
    /// `excluding`: entries directly under `root` left out with all they hold.
    public static func bytes(under root: String, excluding: Set<String> = []) -> Int {
        guard let walker = FileManager.default.enumerator(atPath: root) else { return 0 }
        var total = 0
        var info = stat()
        while let relative = walker.nextObject() as? String {
            if excluding.contains(relative) {
                walker.skipDescendants()
                continue
            }
            if lstat("\(root)/\(relative)", &info) == 0 { total += Int(info.st_blocks) * 512 }
        }
        return total
    }
}
