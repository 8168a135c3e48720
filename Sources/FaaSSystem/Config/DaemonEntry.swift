import Foundation

/// The whole of a daemon's `main`: parse settings (flag > environment > default), run the role,
/// and turn failures into a message and an exit code (2: bad usage, 1: could not run).
public enum DaemonEntry {
    public static func main<Options>(
        program: String,
        parse: ([String], [String: String]) throws -> Options,
        run: (Options) throws -> Void
    ) -> Never {
        Signals.ignoreBrokenPipe()
        let options: Options
        do {
            options = try parse(Array(CommandLine.arguments.dropFirst()), ProcessInfo.processInfo.environment)
        } catch SettingsError.helpRequested(let usage) {
            print(usage, terminator: "")
            exit(0)
        } catch {
            FileHandle.standardError.write(Data("\(program): \(error)\n".utf8))
            exit(2)
        }
        do {
            try run(options)
            exit(0)
        } catch {
            FileHandle.standardError.write(Data("\(program): \(error)\n".utf8))
            exit(1)
        }
    }
}
