/// How a message's bytes (an invoke's or job's `payload`, a result's `output`) travel.
public enum BodyForm: Sendable, Equatable {
    /// Raw, after the line: `"payload_bytes":N` (or `"output_bytes":N`) in the JSON object and
    /// exactly N bytes following its `\n`. What the daemons send each other: nothing is escaped.
    case attached
    /// Inside the JSON, as the spec's string field: the text itself when it is valid UTF-8,
    /// otherwise base64 with `"encoding":"base64"`. Read from any peer; written only in reply
    /// to a client that asked this way (and by the gateway for its HTTP answers).
    case inline
}
