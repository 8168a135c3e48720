/// Writes Prometheus' text exposition format (version 0.0.4): each family's `# HELP` and
/// `# TYPE` once, before its first sample, label values escaped. The one writer behind every
/// `/metrics` section (gateway, invocations, auth).
struct PrometheusText {
    enum Kind: String {
        case counter, gauge, histogram
    }

    private(set) var text = ""
    private var declared: Set<String> = []

    /// `# HELP` (when given) and `# TYPE` for `name`, unless already written.
    mutating func family(_ name: String, _ kind: Kind, help: String? = nil) {
        guard declared.insert(name).inserted else { return }
        if let help { text += "# HELP \(name) \(Self.escapeHelp(help))\n" }
        text += "# TYPE \(name) \(kind.rawValue)\n"
    }

    /// One sample line of family `name` (declared first with `family`, or by the helpers below).
    mutating func sample(_ name: String, labels: KeyValuePairs<String, String> = [:], _ value: String) {
        text += name
        if !labels.isEmpty {
            text += "{" + labels.map { "\($0.key)=\"\(Self.escapeLabel($0.value))\"" }.joined(separator: ",") + "}"
        }
        text += " \(value)\n"
    }

    mutating func counter(_ name: String, help: String? = nil, labels: KeyValuePairs<String, String> = [:], _ value: Int) {
        family(name, .counter, help: help)
        sample(name, labels: labels, String(value))
    }

    mutating func gauge(_ name: String, help: String? = nil, labels: KeyValuePairs<String, String> = [:], _ value: Int) {
        family(name, .gauge, help: help)
        sample(name, labels: labels, String(value))
    }

    mutating func gauge(_ name: String, help: String? = nil, labels: KeyValuePairs<String, String> = [:], _ value: Double) {
        family(name, .gauge, help: help)
        sample(name, labels: labels, Self.format(value))
    }

    /// A family declared with no sample yet still says what it is (a counter still at zero
    /// for every label).
    mutating func declare(_ name: String, _ kind: Kind, help: String? = nil) {
        family(name, kind, help: help)
    }

    /// A histogram: `buckets[i]` counts the observations <= `bounds[i]` (cumulative), then
    /// `+Inf` (= `count`), `_sum` and `_count`.
    mutating func histogram(_ name: String, help: String? = nil, bounds: [Double], buckets: [Int], sum: Double, count: Int) {
        family(name, .histogram, help: help)
        for (bound, value) in zip(bounds, buckets) {
            sample(name + "_bucket", labels: ["le": Self.format(bound)], String(value))
        }
        sample(name + "_bucket", labels: ["le": "+Inf"], String(count))
        sample(name + "_sum", Self.format(sum))
        sample(name + "_count", String(count))
    }

    /// A label value with `\`, `"` and newlines escaped, as the format requires.
    static func escapeLabel(_ value: String) -> String {
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }

    /// HELP text escapes `\` and newlines (quotes stay).
    static func escapeHelp(_ value: String) -> String {
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }

    /// A float as the format spells it (`+Inf`, `-Inf`, `NaN`; Swift's shortest form otherwise).
    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        return "\(value)"
    }
}
