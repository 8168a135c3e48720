/// What values a setting takes. Every value, from a flag, the environment or the default, is
/// checked against it when the settings are parsed.
public enum SettingKind: Sendable {
    /// Any text (paths, addresses); empty means "not set" where the setting says so.
    case text
    case integer(ClosedRange<Int>)
    case number(ClosedRange<Double>)
    /// One of these words (compared without case).
    case choice([String])

    /// Why `value` does not fit, or nil when it does.
    func problem(with value: String) -> String? {
        switch self {
        case .text:
            return nil
        case .integer(let range):
            guard let number = Int(value), range.contains(number) else {
                return "expected an integer in \(range.lowerBound)...\(range.upperBound)"
            }
            return nil
        case .number(let range):
            guard let number = Double(value), number.isFinite, range.contains(number) else {
                return "expected a number in \(Self.format(range.lowerBound))...\(Self.format(range.upperBound))"
            }
            return nil
        case .choice(let words):
            guard words.contains(value.lowercased()) else { return "expected \(Self.list(words))" }
            return nil
        }
    }

    /// A short description for `--help`.
    var summary: String? {
        switch self {
        case .text: return nil
        case .integer(let range): return "\(range.lowerBound)...\(range.upperBound)"
        case .number(let range): return "\(Self.format(range.lowerBound))...\(Self.format(range.upperBound))"
        case .choice(let words): return words.joined(separator: "|")
        }
    }

    static func format(_ number: Double) -> String {
        number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
    }

    static func list(_ words: [String]) -> String {
        guard words.count > 1 else { return words.first ?? "" }
        return words.dropLast().joined(separator: ", ") + " or " + words.last!
    }
}
