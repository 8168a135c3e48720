import FaaSSystem
import FaaSProtocol
import FaaSHTTP
import Foundation

/// One invocation as stored: what was asked, where it is, and its result when finished.
struct InvocationRecord: Sendable {
    enum Kind: String, Sendable { case async, sync }

    var id: String
    var kind: Kind
    var function: String
    var functionID: String
    var version: Int?
    var state: InvocationState
    var caller: String?
    var payload: [UInt8] = []
    var timeout: Double?
    var memory: Int?
    var submittedAt: Double
    var startedAt: Double?
    var finishedAt: Double?
    var duration: Double?
    var attempts = 0
    var maxRetries = 0
    var retryFailures = false
    var status: Int?
    var result: ResultMessage?
    var idempotencyKey: String?
    var callbackURL: String?
    var callbackState: String?
    var callbackAttempts = 0
    var callbackError: String?
    /// The `X-Request-Id` of the request that submitted it: the function's request id.
    var requestID: String?

    /// The JSON object `GET /invocations/ID` answers (the payload is not repeated); the result,
    /// when finished, is the envelope a synchronous invoke answers.
    func json() -> [UInt8] {
        var out = HTTPResponse.json(status: .ok, self).body
        // The result is the wire's own envelope, spliced in as it is (not re-encoded).
        if let result, out.last == UInt8(ascii: "}") {
            out.removeLast()
            out.append(contentsOf: #","result":"#.utf8)
            out.append(contentsOf: Self.envelope(result))
            out.append(UInt8(ascii: "}"))
        }
        return out
    }

    /// The same envelope a synchronous invoke answers: `{"ok":true,"output":...}` or `{"ok":false,"error":...}`.
    static func envelope(_ result: ResultMessage) -> [UInt8] {
        var body: [UInt8] = []
        if result.ok {
            // The wire codec's inline form: text when UTF-8, else base64 with "encoding".
            let answer = ResultMessage(ok: true, id: nil, output: result.output ?? [], error: nil, code: nil, bodyForm: .inline)
            _ = WireMessage.result(answer).appendJSON(to: &body)
            return body
        } else {
            body.append(contentsOf: #"{"ok":false,"error":"#.utf8)
            JSONText.appendString(result.error ?? "the function failed", to: &body)
            if let code = result.code {
                body.append(contentsOf: #","code":"#.utf8)
                JSONText.appendString(code.rawValue, to: &body)
            }
        }
        body.append(UInt8(ascii: "}"))
        return body
    }
}

/// The record's fields as `json()` shows them (absent when not set; not the payload, and the
/// result is spliced in by `json()`).
extension InvocationRecord: Encodable {
    private enum Key: String, CodingKey {
        case id, kind, function, version, state, caller, duration, attempts, status, callback
        case functionID = "function_id"
        case requestID = "request_id"
        case submittedAt = "submitted_at"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case maxRetries = "max_retries"
        case idempotencyKey = "idempotency_key"
    }

    private enum CallbackKey: String, CodingKey { case url, attempts, state, error }

    func encode(to encoder: any Encoder) throws {
        var fields = encoder.container(keyedBy: Key.self)
        try fields.encode(id, forKey: .id)
        try fields.encode(kind.rawValue, forKey: .kind)
        try fields.encode(function, forKey: .function)
        try fields.encode(functionID, forKey: .functionID)
        try fields.encodeIfPresent(version, forKey: .version)
        try fields.encode(state, forKey: .state)
        try fields.encodeIfPresent(caller, forKey: .caller)
        try fields.encode(submittedAt, forKey: .submittedAt)
        try fields.encodeIfPresent(startedAt, forKey: .startedAt)
        try fields.encodeIfPresent(finishedAt, forKey: .finishedAt)
        try fields.encodeIfPresent(duration, forKey: .duration)
        try fields.encode(attempts, forKey: .attempts)
        if kind == .async { try fields.encode(maxRetries, forKey: .maxRetries) }
        try fields.encodeIfPresent(status, forKey: .status)
        try fields.encodeIfPresent(idempotencyKey, forKey: .idempotencyKey)
        try fields.encodeIfPresent(requestID, forKey: .requestID)
        if let callbackURL {
            var callback = fields.nestedContainer(keyedBy: CallbackKey.self, forKey: .callback)
            try callback.encode(callbackURL, forKey: .url)
            try callback.encode(callbackAttempts, forKey: .attempts)
            try callback.encodeIfPresent(callbackState, forKey: .state)
            try callback.encodeIfPresent(callbackError, forKey: .error)
        }
    }
}
