/// How a JS or Python handler's event is made from the request body (`&event=` at deploy,
/// `event` in metadata.json; absent: `auto`, the parsed JSON when the content type is JSON or the
/// body a JSON object or array, else the body as a string).
public enum EventMode: String, Codable, Sendable, CaseIterable {
    /// The body as a string (bytes when it is not UTF-8), whatever it holds.
    case raw
    /// The body's parsed JSON, always (a body that is not JSON fails the call).
    case json
}
