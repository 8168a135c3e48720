import FaaSSystem
import FaaSHTTP
import FaaSStore
import Foundation

/// The HTTP side of invocations: async submission (`/invoke?...&async=true` or
/// `X-Invoke-Async: true`), `GET /invocations[/ID]` and `DELETE /invocations/ID`. Requests are
/// parsed and checked here, at the edge; the database work goes through `Invocations`.
struct InvocationRoutes {
    let invocations: Invocations

    /// Query parameters the invoke route takes for async calls.
    static let invokeQuery: Set<String> = ["async", "retries"]

    enum Mode {
        case sync
        case async
        /// A flag that is neither true nor false: the answer.
        case invalid(HTTPResponse)
    }

    /// Whether the call asks to run asynchronously (`&async=` or `X-Invoke-Async`).
    static func mode(_ request: HTTPRequest) -> Mode {
        let values = [request.queryValue("async"), request.headers.first(name: "X-Invoke-Async")].compactMap { $0 }
        var wants = false
        for value in values {
            switch value.lowercased() {
            case "true", "1", "yes": wants = true
            case "false", "0", "no", "": break
            default:
                return .invalid(.jsonError(status: .badRequest, message: "invalid async flag \(value.debugDescription): true or false"))
            }
        }
        if !wants, request.queryValue("retries") != nil {
            return .invalid(.jsonError(status: .badRequest, message: "&retries= applies to async invocations only (add &async=true)"))
        }
        return wants ? .async : .sync
    }

    /// Stores an async invocation and answers 202 with its id once it is committed, or 200 with
    /// the first one's id for a repeated Idempotency-Key.
    func submit(_ call: RouteCall, metadata: FunctionMetadata, timeout: Double, memory: Int, requestID: String) {
        let request = call.request
        var record = InvocationRecord(id: invocations.nextID(), kind: .async, function: metadata.name, functionID: metadata.id,
                                      version: metadata.version, state: .queued, caller: call.principal?.id, payload: request.body,
                                      timeout: timeout, memory: memory, submittedAt: InvocationStore.now())
        record.maxRetries = invocations.options.defaultRetries
        record.requestID = requestID
        if let text = request.queryValue("retries") {
            guard let retries = Int(text), (0...100).contains(retries) else {
                return call.reply(.jsonError(status: .badRequest, message: "invalid retries \(text.debugDescription): 0-100"))
            }
            record.maxRetries = retries
            record.retryFailures = true
        }
        if let key = request.headers.first(name: "Idempotency-Key") {
            guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f }) else {
                return call.reply(.jsonError(status: .badRequest, message: "invalid Idempotency-Key: 1-255 printable ASCII characters"))
            }
            record.idempotencyKey = key
        }
        if let text = request.headers.first(name: "X-Callback-Url") {
            guard let url = CallbackURL(text) else {
                return call.reply(.jsonError(status: .badRequest, message: "invalid X-Callback-Url \(text.debugDescription): an http:// URL with a host name or IPv4 address (https is not supported)"))
            }
            // A literal address is checked now, so a refused one is never stored; names are
            // checked again once resolved, before any connection.
            if let address = CallbackPolicy.parseIPv4(url.host), !invocations.options.callbackPolicy.allows(host: url.host, address: address) {
                return call.reply(.jsonError(status: .badRequest, message: "X-Callback-Url \(url.host) is refused: loopback, private and link-local addresses need FAAS_CALLBACK_ALLOW"))
            }
            record.callbackURL = url.text
        }
        invocations.submit(record) { result in
            switch result {
            case .success(.created(let id)):
                var response = HTTPResponse.json(status: .accepted, Answer(invocationID: id, state: .queued))
                response.headers.add(name: "Location", value: "/invocations/\(id)")
                call.reply(response)
            case .success(.existing(let id)):
                var response = HTTPResponse.json(status: .ok, Answer(invocationID: id, idempotentReplay: true))
                response.headers.add(name: "Location", value: "/invocations/\(id)")
                call.reply(response)
            case .failure(let error):
                call.reply(.jsonError(status: .serviceUnavailable, message: "cannot store the invocation: \(error)"))
            }
        }
    }

    /// `GET /invocations/ID`: a `read` key, or the key that submitted it.
    func get(_ call: RouteCall) {
        let id = call.parameter ?? ""
        guard InvocationIDs.isValid(id) else {
            return call.reply(.jsonError(status: .badRequest, message: "invalid invocation id \(id.debugDescription)"))
        }
        let principal = call.principal
        invocations.database({ try $0.get(id: id) }) { result in
            switch result {
            case .success(let record?):
                if let principal, !principal.has(.read), record.caller != principal.id {
                    return call.reply(.jsonError(status: .forbidden, message: "this key may not read that invocation (needs scope read, or to have submitted it)"))
                }
                var response = HTTPResponse(status: .ok, body: record.json())
                if let requestID = record.requestID { response.headers.add(name: "X-Request-Id", value: requestID) }
                call.reply(response)
            case .success(nil):
                call.reply(.jsonError(status: .notFound, message: "no invocation \(id)"))
            case .failure(let error):
                call.reply(.jsonError(status: .serviceUnavailable, message: "cannot read invocations: \(error)"))
            }
        }
    }

    /// `GET /invocations?fn=NAME&state=...&limit=N`, most recent first. A key without `read`
    /// sees only what it submitted.
    func list(_ call: RouteCall) {
        let request = call.request
        var function: String?
        if let text = request.queryValue("fn"), !text.isEmpty {
            guard FunctionName.isValidID(text) else {
                return call.reply(.jsonError(status: .badRequest, message: "invalid function name \(text.debugDescription)"))
            }
            // A version id (name_<time>) lists its function's invocations.
            function = FunctionName.isValid(text) ? text : String(text[..<(text.lastIndex(of: "_") ?? text.endIndex)])
        }
        var state: InvocationState?
        if let text = request.queryValue("state"), !text.isEmpty {
            guard let parsed = InvocationState(rawValue: text) else {
                let known = InvocationState.allCases.map(\.rawValue).joined(separator: ", ")
                return call.reply(.jsonError(status: .badRequest, message: "invalid state \(text.debugDescription): \(known)"))
            }
            state = parsed
        }
        var limit = 100
        if let text = request.queryValue("limit"), !text.isEmpty {
            guard let value = Int(text), (1...10_000).contains(value) else {
                return call.reply(.jsonError(status: .badRequest, message: "invalid limit \(text.debugDescription): 1-10000"))
            }
            limit = value
        }
        let caller = call.principal.flatMap { $0.has(.read) ? nil : $0.id }
        invocations.database({ try $0.list(function: function, state: state, caller: caller, limit: limit) }) { result in
            switch result {
            case .success(let records):
                var body: [UInt8] = Array(#"{"count":"#.utf8) + Array(String(records.count).utf8) + Array(#","invocations":["#.utf8)
                for (index, record) in records.enumerated() {
                    if index > 0 { body.append(UInt8(ascii: ",")) }
                    body.append(contentsOf: record.json())
                }
                body.append(contentsOf: "]}".utf8)
                call.reply(HTTPResponse(status: .ok, body: body))
            case .failure(let error):
                call.reply(.jsonError(status: .serviceUnavailable, message: "cannot read invocations: \(error)"))
            }
        }
    }

    /// `GET /invocations/summary?window=SECONDS&fn=NAME&recent=N`: per function, its
    /// invocations of the last `window` seconds (default a day) counted by state, and its `recent`
    /// (default 10) latest states; what the console's functions page shows (last invocations,
    /// error rate). A key without `read` sees only what it submitted.
    func summary(_ call: RouteCall) {
        let request = call.request
        var function: String?
        if let text = request.queryValue("fn"), !text.isEmpty {
            guard FunctionName.isValid(text) else {
                return call.reply(.jsonError(status: .badRequest, message: "invalid function name \(text.debugDescription)"))
            }
            function = text
        }
        guard let window = Self.bounded(request.queryValue("window"), default: 86_400, 1...30 * 86_400) else {
            return call.reply(.jsonError(status: .badRequest, message: "invalid window \(request.queryValue("window")!.debugDescription): 1-2592000 seconds"))
        }
        guard let recent = Self.bounded(request.queryValue("recent"), default: 10, 0...100) else {
            return call.reply(.jsonError(status: .badRequest, message: "invalid recent \(request.queryValue("recent")!.debugDescription): 0-100"))
        }
        let caller = call.principal.flatMap { $0.has(.read) ? nil : $0.id }
        let since = InvocationStore.now() - Double(window)
        invocations.database({ try $0.summary(since: since, function: function, caller: caller, recent: recent) }) { result in
            switch result {
            case .success(let summaries):
                call.reply(HTTPResponse.json(status: .ok, InvocationSummary.Answer(window: window, since: since, functions: summaries.map(\.view))))
            case .failure(let error):
                call.reply(.jsonError(status: .serviceUnavailable, message: "cannot read invocations: \(error)"))
            }
        }
    }

    /// An integer query value within `range`, `default` when absent or empty; nil when invalid.
    private static func bounded(_ text: String?, default value: Int, _ range: ClosedRange<Int>) -> Int? {
        guard let text, !text.isEmpty else { return value }
        guard let number = Int(text), range.contains(number) else { return nil }
        return number
    }

    /// `DELETE /invocations/ID`: cancels a queued invocation (409 once it runs or has finished).
    func cancel(_ call: RouteCall) {
        let id = call.parameter ?? ""
        guard InvocationIDs.isValid(id) else {
            return call.reply(.jsonError(status: .badRequest, message: "invalid invocation id \(id.debugDescription)"))
        }
        let principal = call.principal
        enum Outcome { case forbidden, done(InvocationStore.CancelOutcome) }
        invocations.database({ store -> Outcome in
            guard let record = try store.get(id: id) else { return .done(.notFound) }
            if let principal, !principal.mayInvoke(record.function) { return .forbidden }
            return .done(try store.cancel(id: id, now: InvocationStore.now()))
        }) { result in
            switch result {
            case .success(.forbidden):
                call.reply(.jsonError(status: .forbidden, message: "this key may not cancel that invocation (needs scope invoke for its function)"))
            case .success(.done(.cancelled)):
                invocations.countFinished(.cancelled)
                call.reply(HTTPResponse.json(status: .ok, Answer(ok: true, invocationID: id, state: .cancelled)))
            case .success(.done(.notQueued(let state))):
                call.reply(.jsonError(status: .conflict, message: "invocation \(id) is \(state.rawValue): only a queued invocation can be cancelled"))
            case .success(.done(.notFound)):
                call.reply(.jsonError(status: .notFound, message: "no invocation \(id)"))
            case .failure(let error):
                call.reply(.jsonError(status: .serviceUnavailable, message: "cannot cancel: \(error)"))
            }
        }
    }

    /// What submitting or cancelling answers (fields present only when set).
    struct Answer: Encodable {
        var ok: Bool?
        let invocationID: String
        var state: InvocationState?
        var idempotentReplay: Bool?

        enum CodingKeys: String, CodingKey {
            case ok, state
            case invocationID = "invocation_id"
            case idempotentReplay = "idempotent_replay"
        }
    }
}
