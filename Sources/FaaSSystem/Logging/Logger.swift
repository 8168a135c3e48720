import Foundation

/// A small structured logger: `time level daemon message key=value ...`, one write(2) per line
/// to stderr so lines from concurrent processes never interleave mid-line.
public struct Logger: Sendable {
    public enum Level: Int, Comparable, Sendable {
        case debug, info, warn, error

        public init?(name: String) {
            switch name.lowercased() {
            case "debug": self = .debug
            case "info": self = .info
            case "warn", "warning": self = .warn
            case "error": self = .error
            default: return nil
            }
        }

        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }

        var label: String {
            switch self {
            case .debug: return "debug"
            case .info: return "info"
            case .warn: return "warn"
            case .error: return "error"
            }
        }
    }

    public let daemon: String
    public var level: Level

    public init(daemon: String, level: Level = .info) {
        self.daemon = daemon
        self.level = level
    }

    public func debug(_ message: @autoclosure () -> String, _ fields: KeyValuePairs<String, Any> = [:]) {
        if level <= .debug { write(.debug, message(), fields) }
    }

    public func info(_ message: String, _ fields: KeyValuePairs<String, Any> = [:]) {
        if level <= .info { write(.info, message, fields) }
    }

    public func warn(_ message: String, _ fields: KeyValuePairs<String, Any> = [:]) {
        if level <= .warn { write(.warn, message, fields) }
    }

    public func error(_ message: String, _ fields: KeyValuePairs<String, Any> = [:]) {
        write(.error, message, fields)
    }

    private func write(_ level: Level, _ message: String, _ fields: KeyValuePairs<String, Any>) {
        let stamp = UTCTimestamp.now()
        var line = "\(stamp) \(level.label) \(daemon)[\(getpid())] \(message)"
        for (key, value) in fields {
            line += " \(key)=\(Logger.quote("\(value)"))"
        }
        line += "\n"
        var bytes = Array(line.utf8)
        bytes.withUnsafeMutableBytes { raw in
            _ = Glibc.write(2, raw.baseAddress, raw.count)
        }
    }

    private static func quote(_ value: String) -> String {
        let plain = !value.isEmpty && value.utf8.allSatisfy { $0 > 32 && $0 < 127 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "=") }
        return plain ? value : value.debugDescription
    }
}
