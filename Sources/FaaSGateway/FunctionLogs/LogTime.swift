import Foundation
import FaaSSystem

/// The `&since=` a reader of function logs gives, in the form their lines are stored with
/// (`UTCTimestamp`: one fixed width, so stored lines compare as text).
enum LogTime {
    /// `&since=`: an RFC 3339 time (`2026-11-28T10:00:00Z`, with fractional seconds or an
    /// offset), or Unix seconds; in the stored form, or nil when it is neither.
    static func parse(_ text: String) -> String? {
        if let seconds = Double(text), seconds.isFinite, seconds >= 0, seconds < 253_402_300_800 {
            let whole = seconds.rounded(.down)
            return UTCTimestamp.format(seconds: Int(whole), milliseconds: min(999, Int(((seconds - whole) * 1000).rounded(.down))))
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
        return UTCTimestamp.format(seconds: Int((milliseconds / 1000).rounded(.down)), milliseconds: Int(milliseconds.truncatingRemainder(dividingBy: 1000)))
    }
}
