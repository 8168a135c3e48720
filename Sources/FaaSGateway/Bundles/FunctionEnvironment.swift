/// Per-function environment variables: `&env=NAME=VALUE` (repeated) or a bundle's
/// function.json `env` object. Checked here so a bad one is a 400 at deploy, never a runtime
/// that fails to start: names are shell-style, the platform's own variables cannot be
/// overridden, and the sizes are bounded.
enum FunctionEnvironment {
    static let maxVariables = 64
    static let maxValueBytes = 4096
    static let maxTotalBytes = 32 << 10

    /// Names the platform sets or the runtimes read: a function may not replace them.
    static let reserved: Set<String> = ["PATH", "HOME", "LANG", "GOMEMLIMIT", "GOGC", "GODEBUG", "GOMAXPROCS", "TMPDIR"]
    static let reservedPrefixes = ["FAAS_", "LD_", "PYTHON", "NODE_"]

    /// `NAME=VALUE` items, in order (a later one replaces an earlier one).
    static func parse(items: [String]) throws(RequestRefusal) -> [String: String] {
        var variables: [String: String] = [:]
        // `&env=` alone clears them (on an update).
        for item in items where !item.isEmpty {
            guard let equals = item.firstIndex(of: "=") else {
                throw RequestRefusal(.badRequest, "invalid env \(item.debugDescription): NAME=VALUE")
            }
            variables[String(item[..<equals])] = String(item[item.index(after: equals)...])
        }
        try check(variables)
        return variables
    }

    static func check(_ variables: [String: String]) throws(RequestRefusal) {
        if variables.count > maxVariables { throw RequestRefusal(.badRequest, "at most \(maxVariables) env variables") }
        var total = 0
        for (name, value) in variables.sorted(by: { $0.key < $1.key }) {
            let bytes = Array(name.utf8)
            let valid = (1...128).contains(bytes.count) && !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[0])
                && bytes.allSatisfy { ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }
            guard valid else {
                throw RequestRefusal(.badRequest, "invalid env name \(name.debugDescription): 1-128 of A-Z a-z 0-9 _, not starting with a digit")
            }
            if reserved.contains(name) || reservedPrefixes.contains(where: name.hasPrefix) {
                throw RequestRefusal(.badRequest, "env \(name) is the platform's own (reserved: \(reserved.sorted().joined(separator: ", ")), and names starting with \(reservedPrefixes.joined(separator: ", ")))")
            }
            if value.utf8.count > maxValueBytes || value.utf8.contains(0) {
                throw RequestRefusal(.badRequest, "env \(name): values are at most \(maxValueBytes) bytes, without NUL")
            }
            total += bytes.count + value.utf8.count + 2
        }
        if total > maxTotalBytes { throw RequestRefusal(.badRequest, "env variables take more than \(maxTotalBytes) bytes together") }
    }
}
