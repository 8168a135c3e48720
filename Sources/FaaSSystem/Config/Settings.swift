/// Resolves settings with the precedence flag > environment > default. Flags are written
/// `--name value` or `--name=value`.
public struct Settings {
    private var values: [String: String] = [:]
    public let known: [Setting]

    public init(arguments: [String], environment: [String: String], known: [Setting], program: String) throws {
        self.known = known
        var flags: [String: String] = [:]
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "--help" || argument == "-h" {
                throw SettingsError.helpRequested(Settings.usage(program: program, known))
            }
            guard argument.hasPrefix("--") else { throw SettingsError.unknownFlag(argument) }
            var name = String(argument.dropFirst(2))
            var value: String?
            if let equals = name.firstIndex(of: "=") {
                value = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            guard known.contains(where: { $0.flag == name }) else { throw SettingsError.unknownFlag(argument) }
            if value == nil {
                guard index < arguments.count else { throw SettingsError.missingValue(name) }
                value = arguments[index]
                index += 1
            }
            flags[name] = value
        }
        for setting in known {
            values[setting.flag] = flags[setting.flag] ?? environment[setting.environment] ?? setting.defaultValue
        }
    }

    public func string(_ setting: Setting) -> String {
        values[setting.flag] ?? setting.defaultValue
    }

    public func integer(_ setting: Setting, in range: ClosedRange<Int>) throws -> Int {
        let text = string(setting)
        guard let value = Int(text), range.contains(value) else {
            throw SettingsError.invalid(setting.flag, text, "expected an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    public func number(_ setting: Setting, in range: ClosedRange<Double>) throws -> Double {
        let text = string(setting)
        guard let value = Double(text), range.contains(value) else {
            throw SettingsError.invalid(setting.flag, text, "expected a number in \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    public func logLevel(_ setting: Setting) throws -> Logger.Level {
        let text = string(setting)
        guard let level = Logger.Level(name: text) else {
            throw SettingsError.invalid(setting.flag, text, "expected debug, info, warn or error")
        }
        return level
    }

    public static func usage(program: String, _ known: [Setting]) -> String {
        var text = "usage: \(program) [options]\n"
        for setting in known {
            text += "  --\(setting.flag) VALUE\n      \(setting.help) (env \(setting.environment), default \(setting.defaultValue.isEmpty ? "none" : setting.defaultValue))\n"
        }
        return text
    }
}
