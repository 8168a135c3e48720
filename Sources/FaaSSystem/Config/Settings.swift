/// Resolves settings with the precedence flag > environment > default. Flags are written
/// `--name value` or `--name=value`. Every value is checked against its setting's kind here,
/// and an error names what the user set: the flag, or the environment variable.
public struct Settings {
    private var values: [String: (value: String, source: SettingSource)] = [:]
    public let known: [Setting]
    public let program: String

    public init(arguments: [String], environment: [String: String], known: [Setting], program: String) throws {
        self.known = known
        self.program = program
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
            if let flag = flags[setting.flag] {
                values[setting.flag] = (flag, .flag)
            } else if !setting.isInternal, let variable = environment[setting.environment] {
                values[setting.flag] = (variable, .environment)
            } else {
                values[setting.flag] = (setting.defaultValue, .defaultValue)
            }
            // An empty text means "not set"; any other value must fit the setting's kind.
            let (value, source) = values[setting.flag]!
            if case .text = setting.kind { continue }
            if let problem = setting.kind.problem(with: value) {
                throw SettingsError.invalid(source.name(of: setting), value, problem)
            }
        }
    }

    public func string(_ setting: Setting) -> String {
        values[setting.flag]?.value ?? setting.defaultValue
    }

    /// The value, or nil when it is empty (a path left to the daemon to find).
    public func optionalString(_ setting: Setting) -> String? {
        let value = string(setting)
        return value.isEmpty ? nil : value
    }

    public func source(_ setting: Setting) -> SettingSource {
        values[setting.flag]?.source ?? .defaultValue
    }

    /// An error about `setting`'s value, named as the user set it.
    public func invalid(_ setting: Setting, _ why: String) -> SettingsError {
        .invalid(source(setting).name(of: setting), string(setting), why)
    }

    /// An integer setting, already checked against its declared range.
    public func integer(_ setting: Setting) throws -> Int {
        guard case .integer = setting.kind, let value = Int(string(setting)) else {
            throw invalid(setting, "expected an integer")
        }
        return value
    }

    /// A number setting, already checked against its declared range.
    public func number(_ setting: Setting) throws -> Double {
        guard let value = Double(string(setting)) else { throw invalid(setting, "expected a number") }
        return value
    }

    /// A choice setting as its enum (raw values are the lowercased words).
    public func choice<T: RawRepresentable>(_ setting: Setting, as type: T.Type) throws -> T where T.RawValue == String {
        guard let value = T(rawValue: string(setting).lowercased()) else {
            if case .choice(let words) = setting.kind { throw invalid(setting, "expected \(SettingKind.list(words))") }
            throw invalid(setting, "unexpected value")
        }
        return value
    }

    public func integer(_ setting: Setting, in range: ClosedRange<Int>) throws -> Int {
        guard let value = Int(string(setting)), range.contains(value) else {
            throw invalid(setting, "expected an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    public func number(_ setting: Setting, in range: ClosedRange<Double>) throws -> Double {
        guard let value = Double(string(setting)), range.contains(value) else {
            throw invalid(setting, "expected a number in \(SettingKind.format(range.lowerBound))...\(SettingKind.format(range.upperBound))")
        }
        return value
    }

    public func logLevel(_ setting: Setting) throws -> Logger.Level {
        guard let level = Logger.Level(name: string(setting)) else {
            throw invalid(setting, "expected debug, info, warn or error")
        }
        return level
    }

    /// One line per setting, `--flag=value [source]`: what `--check-config` prints.
    public func report() -> String {
        known.map { setting in
            let from: String
            switch source(setting) {
            case .flag: from = "flag"
            case .environment: from = "environment \(setting.environment)"
            case .defaultValue: from = "default"
            }
            return "--\(setting.flag)=\(string(setting)) [\(from)]\n"
        }.joined()
    }

    public static func usage(program: String, _ known: [Setting]) -> String {
        var text = "usage: \(program) [--check-config] [options]\n"
        text += "  --check-config\n      parse and check the settings, print them with where each came from, and exit\n"
        for setting in known where !setting.isInternal {
            let values = setting.kind.summary.map { ", \($0)" } ?? ""
            text += "  --\(setting.flag) VALUE\n      \(setting.help) (env \(setting.environment), default \(setting.defaultValue.isEmpty ? "none" : setting.defaultValue)\(values))\n"
        }
        let internalOnes = known.filter(\.isInternal)
        if !internalOnes.isEmpty {
            text += "internal (set by the daemon that starts this one):\n"
            for setting in internalOnes { text += "  --\(setting.flag) VALUE\n      \(setting.help)\n" }
        }
        return text
    }
}
