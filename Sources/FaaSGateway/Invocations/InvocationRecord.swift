import FaaSSystem
import FaaSProtocol
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
        var object: [String: Any] = [
            "id": id, "kind": kind.rawValue, "function": function, "function_id": functionID, "state": state.rawValue,
            "submitted_at": submittedAt, "attempts": attempts,
        ]
        object["version"] = version
        object["caller"] = caller
        object["started_at"] = startedAt
        object["finished_at"] = finishedAt
        object["duration"] = duration
        object["status"] = status
        object["idempotency_key"] = idempotencyKey
        object["request_id"] = requestID
        if kind == .async { object["max_retries"] = maxRetries }
        if let callbackURL {
            var callback: [String: Any] = ["url": callbackURL, "attempts": callbackAttempts]
            callback["state"] = callbackState
            callback["error"] = callbackError
            object["callback"] = callback
        }
        var out = [UInt8]((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8))
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
