import Foundation
import Glibc

/// Runs one of the built executables with exactly the given arguments and `FAAS_*` variables
/// (none of the test runner's own), and collects its exit status and output.
enum ExecutableRun {
    struct Outcome: CustomStringConvertible {
        let status: Int32
        let output: String
        var description: String { "exit \(status): \(output)" }
    }

    static func run(_ executable: String, _ arguments: [String], environment extra: [String: String] = [:],
                    products: URL? = nil, timeout: Double = 20) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable
                                    : try (products ?? FaaSSuite.productsDirectory()).appendingPathComponent(executable).path)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("FAAS_") }
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        let pipe = Pipe()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        DaemonReaper.track(process.processIdentifier)
        defer { DaemonReaper.forget(process.processIdentifier) }
        let pid = process.processIdentifier
        // A daemon that does not stop (it should: every run here exits at once) is killed.
        let watchdog = DispatchWorkItem { kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        watchdog.cancel()
        return Outcome(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }
}
