
import Foundation

/// Where the interpreters are, resolved once per process: shims on PATH (pyenv's python3 costs
/// ~100 ms per start) are resolved to the real binary they run.
public enum Runtimes {
    /// The absolute path of `name` on PATH, if any.
    public static func which(_ name: String, path: String? = ProcessInfo.processInfo.environment["PATH"]) -> String? {
        for directory in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// The real python3: asks the interpreter on PATH for `sys.executable` once.
    public static func resolvePython() -> String? {
        guard let shim = which("python3") else { return nil }
        let request = SpawnRequest(executable: shim, arguments: ["-c", "import sys; print(sys.executable)"],
                                   environment: ProcessInfo.processInfo.environment, standardError: nil)
        guard let result = try? Subprocess.run(request, input: [], timeout: 10, outputCap: 4096),
              result.status == .exited(0) else { return shim }
        let path = String(decoding: result.standardOutput, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return FileManager.default.isExecutableFile(atPath: path) ? path : shim
    }

    /// `name` in the folder of the running executable (resolved through /proc/self/exe): how the
    /// server finds `faas-worker` without being told.
    public static func besideThisExecutable(_ name: String) -> String {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent(name).path
    }
}
