import Foundation

/// A documented answer, `# -> 200 {"ok":true, ...}`: an optional status and an optional body
/// shape (see DocExamplesTests for the notation), and whether an actual answer fits it.
struct DocAnswer {
    let text: String
    let status: Int?
    let body: String

    private static let open = "__doc_open__"
    private static let anyArray = "__doc_any_array__"
    private static let anyValue = "__doc_any_value__"

    init(_ text: String) {
        self.text = text
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.count >= 3, let status = Int(trimmed.prefix(3)), trimmed.prefix(3).allSatisfy(\.isNumber),
           trimmed.count == 3 || trimmed.dropFirst(3).first == " " {
            self.status = status
            body = trimmed.dropFirst(3).trimmingCharacters(in: .whitespaces)
        } else {
            status = nil
            body = trimmed
        }
    }

    /// Nil when `actual` fits, else why not.
    func mismatch(_ actual: Data) -> String? {
        if body.isEmpty { return nil }
        let shown = String(decoding: actual, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard body.hasPrefix("{") || body.hasPrefix("[") else {
            return Self.matches(pattern: body, shown, dots: true) ? nil : "body \(shown.debugDescription) is not \(body.debugDescription)"
        }
        guard let expected = try? JSONSerialization.jsonObject(with: Data(Self.jsonText(body).utf8), options: [.fragmentsAllowed]) else {
            return "the documented answer \(body.debugDescription) is not JSON in the doc notation"
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(shown.utf8), options: [.fragmentsAllowed]) else {
            return "body \(shown.debugDescription) is not JSON"
        }
        return Self.compare(expected, object, path: "").map { "\($0) in \(shown)" }
    }

    /// The notation as JSON: `...` and `<...>` values become sentinels.
    private static func jsonText(_ body: String) -> String {
        var text = body.replacingOccurrences(of: #",\s*\.\.\.\s*\}"#, with: ",\"\(open)\":0}", options: .regularExpression)
        text = text.replacingOccurrences(of: #"\{\s*\.\.\.\s*\}"#, with: "{\"\(open)\":0}", options: .regularExpression)
        text = text.replacingOccurrences(of: #"\[\s*\.\.\.\s*\]"#, with: "[\"\(anyArray)\"]", options: .regularExpression)
        text = text.replacingOccurrences(of: #"([:\[,]\s*)<[^<>"]*>(?=\s*[,}\]])"#, with: "$1\"\(anyValue)\"", options: .regularExpression)
        return text
    }

    private static func compare(_ expected: Any, _ actual: Any, path: String) -> String? {
        let at = path.isEmpty ? "the body" : path
        switch expected {
        case let string as String where string == anyValue:
            return nil
        case let string as String:
            guard let actual = actual as? String else { return "\(at): expected a string, got \(actual)" }
            return matches(pattern: string, actual, dots: false) ? nil : "\(at): \(actual.debugDescription) is not \(string.debugDescription)"
        case let dictionary as [String: Any]:
            guard let actual = actual as? [String: Any] else { return "\(at): expected an object, got \(actual)" }
            for (key, value) in dictionary where key != open {
                guard let found = actual[key] else { return "\(at): no \"\(key)\"" }
                if let why = compare(value, found, path: path + "." + key) { return why }
            }
            let extra = Set(actual.keys).subtracting(dictionary.keys)
            if dictionary[open] == nil, !extra.isEmpty { return "\(at): keys \(extra.sorted()) not documented (add , ...)" }
            return nil
        case let array as [Any]:
            guard let actual = actual as? [Any] else { return "\(at): expected an array, got \(actual)" }
            if array.count == 1, array[0] as? String == anyArray { return nil }
            guard array.count == actual.count else { return "\(at): \(actual.count) elements, documented \(array.count)" }
            for (index, pair) in zip(array, actual).enumerated() {
                if let why = compare(pair.0, pair.1, path: "\(path)[\(index)]") { return why }
            }
            return nil
        case is NSNull:
            return actual is NSNull ? nil : "\(at): expected null, got \(actual)"
        case let number as NSNumber:
            guard let actual = actual as? NSNumber, actual == number else { return "\(at): \(actual) is not \(number)" }
            return nil
        default:
            return "\(at): cannot compare \(expected)"
        }
    }

    /// `<...>` stands for any text (and `...` too when `dots`); the rest is literal.
    private static func matches(pattern: String, _ actual: String, dots: Bool) -> Bool {
        let wildcard = dots ? #"<[^<>]*>|\.\.\."# : #"<[^<>]*>"#
        let regex = try! NSRegularExpression(pattern: wildcard)
        var expression = "^"
        var last = pattern.startIndex
        for match in regex.matches(in: pattern, range: NSRange(pattern.startIndex..., in: pattern)) {
            guard let range = Range(match.range, in: pattern) else { continue }
            expression += NSRegularExpression.escapedPattern(for: String(pattern[last..<range.lowerBound])) + ".*"
            last = range.upperBound
        }
        expression += NSRegularExpression.escapedPattern(for: String(pattern[last...])) + "$"
        return actual.range(of: expression, options: .regularExpression) != nil
            || (try? NSRegularExpression(pattern: expression, options: [.dotMatchesLineSeparators]))
                .map { $0.firstMatch(in: actual, range: NSRange(actual.startIndex..., in: actual)) != nil } == true
    }
}
