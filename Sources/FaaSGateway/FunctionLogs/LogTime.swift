import Foundation
import Glibc

/// The times of function log lines: RFC 3339 in UTC with milliseconds
/// (`2026-11-28T10:00:00.123Z`), one fixed width, so stored lines compare as text.
enum LogTime {
    static func now() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return format(seconds: Int(ts.tv_sec), milliseconds: Int(ts.tv_nsec / 1_000_000))
    }

    static func format(seconds: Int, milliseconds: Int) -> String {
        var time = tm()
        var value = time_t(seconds)
        gmtime_r(&value, &time)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(time.tm_year) + 1900, Int(time.tm_mon) + 1, Int(time.tm_mday),
                      Int(time.tm_hour), Int(time.tm_min), Int(time.tm_sec), milliseconds)
    }

    /// `&since=`: an RFC 3339 time (`2026-11-28T10:00:00Z`, with fractional seconds or an
    /// offset), or Unix seconds; in the stored form, or nil when it is neither.
    static func parse(_ text: String) -> String? {
        if let seconds = Double(text), seconds.isFinite, seconds >= 0, seconds < 253_402_300_800 {
            let whole = seconds.rounded(.down)
            return format(seconds: Int(whole), milliseconds: min(999, Int(((seconds - whole) * 1000).rounded(.down))))
        }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var date = formatter.date(from: text)
        if date == nil {
            formatter.formatOptions = [.withInternetDateTime]
            date = formatter.date(from: text)
        }
        guard let date else { return nil }
        let milliseconds = (date.timeIntervalSince1970 * 1000).rounded(.down)
        return format(seconds: Int((milliseconds / 1000).rounded(.down)), milliseconds: Int(milliseconds.truncatingRemainder(dividingBy: 1000)))
    }
}
