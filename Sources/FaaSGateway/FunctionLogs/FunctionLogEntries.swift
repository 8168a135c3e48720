import FaaSSystem

/// A call's log (`ResultMessage.log`: `\n`-ended lines, each `stdout TEXT` or `stderr TEXT`) as
/// the stored and served JSON lines, one per line:
/// `{"time":"...","request_id":"...","version":3,"stream":"stdout","line":"..."}`.
enum FunctionLogEntries {
    /// Longest text kept of one line; the rest is cut (a log line is not a data channel).
    static let maxLine = 16 * 1024

    static func encode(_ log: String, time: String, requestID: String, version: Int) -> [UInt8] {
        var out: [UInt8] = []
        var prefix: [UInt8] = Array(#"{"time":"#.utf8)
        JSONText.appendString(time, to: &prefix)
        prefix.append(contentsOf: #","request_id":"#.utf8)
        JSONText.appendString(requestID, to: &prefix)
        prefix.append(contentsOf: #","version":"#.utf8)
        prefix.append(contentsOf: String(version).utf8)
        prefix.append(contentsOf: #","stream":"#.utf8)
        for raw in log.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = Substring(raw)
            if line.hasSuffix("\r") { line = line.dropLast() }
            var stream = "stderr"
            if line.hasPrefix("stdout ") || line.hasPrefix("stderr ") {
                stream = String(line.prefix(6))
                line = line.dropFirst(7)
            } else if line == "stdout" || line == "stderr" {
                stream = String(line)
                line = ""
            } else if line.isEmpty {
                // The split's last piece after the final `\n`, or an empty record: nothing to keep.
                continue
            }
            if line.utf8.count > maxLine { line = Substring(String(decoding: line.utf8.prefix(maxLine), as: UTF8.self)) }
            out.append(contentsOf: prefix)
            JSONText.appendString(stream, to: &out)
            out.append(contentsOf: #","line":"#.utf8)
            JSONText.appendString(String(line), to: &out)
            out.append(contentsOf: "}\n".utf8)
        }
        return out
    }

    /// One call's log cut to `maxBytes`: the start of what it wrote, in whole lines, then a
    /// line saying how much was dropped.
    static func bounded(_ log: String, maxBytes: Int) -> String {
        guard log.utf8.count > maxBytes else { return log }
        var kept = Array(log.utf8.prefix(maxBytes))
        if let newline = kept.lastIndex(of: UInt8(ascii: "\n")) { kept.removeSubrange((newline + 1)...) } else { kept.append(UInt8(ascii: "\n")) }
        let dropped = max(0, log.utf8.count - kept.count)
        return String(decoding: kept, as: UTF8.self) + "stderr [gateway] \(dropped) more bytes of this call's log were dropped (limit \(maxBytes) per call)\n"
    }

    /// The stored time of an encoded line (its fixed-width `time` field), for `&since=`.
    static func time(of line: ArraySlice<UInt8>) -> Substring? {
        let head = #"{"time":""#.utf8
        guard line.count > head.count + 24, line.prefix(head.count).elementsEqual(head) else { return nil }
        let start = line.startIndex + head.count
        return Substring(decoding: line[start..<(start + 24)], as: UTF8.self)
    }
}
