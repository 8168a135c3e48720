import Foundation

/// The whole of a daemon's `main`: parse settings (flag > environment > default), run the role,
/// and turn failures into a message and an exit code (2: bad usage, 1: could not run).
/// `--check-config` stops after parsing: it prints each setting with where its value came from.
public enum DaemonEntry {
    public static func main<Options>(
        program: String,
        known: [Setting],
        parse: (Settings) throws -> Options,
        run: (Options) throws -> Void
    ) -> Never {
        Signals.ignoreBrokenPipe()
        var arguments = Array(CommandLine.arguments.dropFirst())
        let checkOnly = arguments.contains("--check-config")
        arguments.removeAll { $0 == "--check-config" }
        let options: Options
        let policy: CPUPolicy?
        do {
            let settings = try Settings(arguments: arguments, environment: ProcessInfo.processInfo.environment, known: known, program: program)
            options = try parse(settings)
            policy = known.contains(where: { $0.flag == CommonSettings.cpuPolicy.flag })
                ? try settings.choice(CommonSettings.cpuPolicy, as: CPUPolicy.self) : nil
            if checkOnly {
                print(settings.report(), terminator: "")
                exit(0)
            }
        } catch SettingsError.helpRequested(let usage) {
            print(usage, terminator: "")
            exit(0)
        } catch SettingsError.unknownFlag(let flag) {
            // Often a setting of another daemon: say where to look.
            let hint = "\(program) --help lists the settings it reads; docs/settings.md says which daemon reads which"
            FileHandle.standardError.write(Data("\(program): unknown option \(flag) (\(hint))\n".utf8))
            exit(2)
        } catch {
            FileHandle.standardError.write(Data("\(program): \(error)\n".utf8))
            exit(2)
        }
        do {
            // Before any thread starts, so that every thread and child inherits it. A tuning, not
            // a promise: where it is refused (a seccomp filter, a container) the daemon says so
            // and runs with the policy it has.
            if let policy {
                do {
                    try policy.apply()
                } catch {
                    Logger(daemon: String(program.dropFirst(program.hasPrefix("faas-") ? 5 : 0)))
                        .warn("cannot set the CPU policy; running with the inherited one", ["policy": policy.rawValue, "error": error])
                }
            }
            try run(options)
            exit(0)
        } catch {
            FileHandle.standardError.write(Data("\(program): \(error)\n".utf8))
            exit(1)
        }
    }
}
