import FaaSStore
import FaaSSystem
import Foundation
import Glibc

/// Secrets by name in `functions/.secrets/` (the folder 0700, each value 0600: only the
/// daemons' user reads them). Values are written atomically and never returned or logged;
/// the worker copies the ones a function named into that function's sandbox only.
final class SecretStore {
    static let maxValueBytes = 64 << 10
    let directory: String

    init(functionsRoot: String) throws {
        directory = functionsRoot + "/" + FunctionStore.secretsFolder
        if mkdir(directory, 0o700) != 0 && errno != EEXIST { throw SystemError("mkdir", errno: errno) }
        try syscall("chmod") { chmod(directory, 0o700) }
    }

    static func isValidName(_ name: String) -> Bool { FunctionName.isValid(name) }

    func names() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter(Self.isValidName).sorted()
    }

    func exists(_ name: String) -> Bool { Self.isValidName(name) && access("\(directory)/\(name)", F_OK) == 0 }

    /// Replaces the value (`OwnerOnlyFile`: 0600 from its creation, fsynced, renamed over).
    func put(_ name: String, value: [UInt8]) throws {
        try OwnerOnlyFile.write("\(directory)/\(name)", value)
    }

    /// False when there was none.
    func delete(_ name: String) throws -> Bool {
        if unlink("\(directory)/\(name)") == 0 { return true }
        if errno == ENOENT { return false }
        throw SystemError("unlink", errno: errno)
    }
}
