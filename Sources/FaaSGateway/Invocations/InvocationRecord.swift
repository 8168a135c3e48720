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
        let view = View(id: id, kind: kind.rawValue, function: function, functionID: functionID, version: version, state: state,
                        caller: caller, submittedAt: submittedAt, startedAt: startedAt, finishedAt: finishedAt, duration: duration,
                        attempts: attempts, maxRetries: kind == .async ? maxRetries : nil, status: status, idempotencyKey: idempotencyKey, requestID: requestID,
                        callback: callbackURL.map { View.Callback(url: $0, attempts: callbackAttempts, state: callbackState, error: callbackError) })
        var out = HTTPResponse.json(status: .ok, view).body
        // The result is the wire's own envelope, spliced in as it is (not re-encoded).
        if let result, out.last == UInt8(ascii: "}") {
            out.removeLast()
            out.append(contentsOf: #","result":"#.utf8)
            out.append(contentsOf: Self.envelope(result))
            out.append(UInt8(ascii: "}"))
        }
        return out
    }

    /// The record's fields as `json()` shows them (absent when not set).
    struct View: Encodable {
        struct Callback: Encodable {
            let url: String
            let attempts: Int
            let state: String?
            let error: String?
        }

        let id: String
        let kind: String
        let function: String
        let functionID: String
        let version: Int?
        let state: InvocationState
        let caller: String?
        let submittedAt: Double
        let startedAt: Double?
        let finishedAt: Double?
        let duration: Double?
        let attempts: Int
        let maxRetries: Int?
        let status: Int?
        let idempotencyKey: String?
        let requestID: String?
        let callback: Callback?

        enum CodingKeys: String, CodingKey {
            case id, kind, function, version, state, caller, duration, attempts, status, callback
            case functionID = "function_id"
            case requestID = "request_id"
            case submittedAt = "submitted_at"
            case startedAt = "started_at"
            case finishedAt = "finished_at"
            case maxRetries = "max_retries"
            case idempotencyKey = "idempotency_key"
        }
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
