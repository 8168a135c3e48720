import Glibc

/// RFC 3339 in UTC with milliseconds (`2026-11-28T10:00:00.123Z`), one fixed width: the daemons'
/// log lines and the function logs. Written by hand: String(format:) goes through
/// CoreFoundation and a locale, and cost a 404 flood a tenth of the gateway's time.
public enum UTCTimestamp {
    public static func now() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return format(seconds: Int(ts.tv_sec), milliseconds: Int(ts.tv_nsec / 1_000_000))
    }

    public static func format(seconds: Int, milliseconds: Int) -> String {
        var time = tm()
        var value = time_t(seconds)
        gmtime_r(&value, &time)
        return "\(digits(Int(time.tm_year) + 1900, 4))-\(digits(Int(time.tm_mon) + 1, 2))-\(digits(Int(time.tm_mday), 2))T"
            + "\(digits(Int(time.tm_hour), 2)):\(digits(Int(time.tm_min), 2)):\(digits(Int(time.tm_sec), 2))"
            + ".\(digits(milliseconds, 3))Z"
    }

    /// `value` in decimal, zero-padded to `width` digits.
    private static func digits(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
