import FaaSSystem
import FaaSProtocol
import FaaSHTTP
import FaaSStore
import Foundation

/// The invoke routes: `POST /invoke?fn=` (the result envelope, or async through
/// `InvocationRoutes`), `ANY /fn/NAME` (the function's own HTTP response) and their CORS
/// preflights. The synchronous path runs here, on the loop.
extension Gateway {
    /// `POST /invoke?fn=NAME_OR_ID`: the body is the payload; the answer is the result envelope,
    /// or 202 and the invocation's id when it runs async.
    func invoke(_ call: RouteCall) {
        let request = call.request
        guard let fn = request.queryValue("fn"), !fn.isEmpty else {
            return fail(call, .badRequest, "missing ?fn= (a function id or name)")
        }
        guard let metadata = invocable(call, fn) else { return }
        let timeout = min(metadata.timeout ?? options.defaultTimeout, options.maxTimeout)
        let memory = metadata.memory ?? options.defaultMemory
        let requestID = call.requestID ?? requestIDs.id(for: nil)
        switch InvocationRoutes.mode(request) {
        case .invalid(let response): return call.reply(response)
        case .async: return invocationRoutes.submit(call, metadata: metadata, timeout: timeout, memory: memory, requestID: requestID)
        case .sync: break
        }
        let context = InvocationContext(requestID: requestID, contentType: request.headers.first(name: "content-type"))
        runSync(call, metadata: metadata, context: context, answer: Self.invokeResponse)
    }

    /// `ANY /fn/NAME_OR_ID[/sub/path][?query]`: the function gets the HTTP request (method,
    /// sub-path, query, headers without the caller's credentials) and answers with its own HTTP
    /// response (`FunctionHTTPResponse`).
    func invokeRaw(_ call: RouteCall) {
        let request = call.request
        guard let target = FnRequest(path: request.path) else {
            return fail(call, .badRequest, "invalid function name in \(request.path.debugDescription)")
        }
        guard let metadata = invocable(call, target.function) else { return }
        // A browser's preflight for a public function with `&cors=`: the gateway answers it,
        // as for /invoke; any other OPTIONS is the function's.
        if request.method == .OPTIONS, request.headers.contains(name: "Access-Control-Request-Method"), metadata.cors != nil {
            return preflight(call, metadata: metadata, methods: "GET, HEAD, POST, PUT, PATCH, DELETE", addOrigin: false)
        }
        // The query belongs to the function here; only the header could ask for async, and an
        // async call's answer is not the function's HTTP response: refused rather than ignored.
        if let flag = request.headers.first(name: "X-Invoke-Async"), ["true", "1", "yes"].contains(flag.lowercased()) {
            return fail(call, .badRequest, "async invocations go through POST /invoke?fn=\(metadata.name)&async=true; /fn/ answers with the function's own response")
        }
        let requestID = call.requestID ?? requestIDs.id(for: nil)
        let event = target.event(request, sourceIP: clientAddress(request, call.session))
        let context = InvocationContext(requestID: requestID, contentType: request.headers.first(name: "content-type"), http: event)
        runSync(call, metadata: metadata, context: context, answer: FunctionHTTPResponse.make)
    }

    /// The function a call names, when it is valid, known and the chain is up; otherwise the
    /// refusal has been answered and nil is returned.
    private func invocable(_ call: RouteCall, _ fn: String) -> FunctionMetadata? {
        guard FunctionName.isValidID(fn) else {
            fail(call, .badRequest, "invalid function id \(fn.debugDescription)")
            return nil
        }
        // Resolved once: the router looked it up to check access.
        guard let metadata = call.function ?? store.resolve(fn) else {
            fail(call, .notFound, "function not found: \(fn)")
            return nil
        }
        if let why = chain.failFastReason(now: EventLoop.now()) {
            fail(call, .serviceUnavailable, "unavailable: \(why)")
            return nil
        }
        return metadata
    }

    /// An invoke refused by the gateway: logged with its request id, answered as JSON.
    private func fail(_ call: RouteCall, _ status: HTTPStatus, _ message: String) {
        log.info("invoke refused", ["request_id": call.requestID ?? "-", "status": status.code, "error": message])
        call.reply(HTTPResponse.jsonError(status: status, message: message))
    }

    /// Runs one synchronous invocation: metrics, the call history, the function's log, a log
    /// line for a failure, and `answer`'s shape of the result (the envelope, or the function's
    /// own HTTP response on /fn/).
    private func runSync(_ call: RouteCall, metadata: FunctionMetadata, context: InvocationContext, answer: @escaping (ResultMessage) -> HTTPResponse) {
        let session = call.session
        let reply = call.reply
        let timeout = min(metadata.timeout ?? options.defaultTimeout, options.maxTimeout)
        let memory = metadata.memory ?? options.defaultMemory
        let started = EventLoop.now()
        let generation = session.generation
        // Recorded in the call history (batched off the loop); its id goes back in a header.
        let invocationID = invocations.options.recordSync ? invocations.nextID() : nil
        let submittedAt = invocationID == nil ? 0 : Date().timeIntervalSince1970
        let caller = call.principal?.id
        let requestID = context.requestID
        server.invoke(fn: metadata.id, payload: call.request.body, timeout: timeout, memory: memory, concurrency: metadata.concurrency,
                      context: context) { [unowned self, session] result in
            let seconds = EventLoop.now() - started
            self.metrics.observeInvoke(outcome: result.ok ? "ok" : (result.code ?? .internal).rawValue, seconds: seconds)
            if let invocationID {
                self.invocations.recordSync(id: invocationID, metadata: metadata, caller: caller, result: result, submittedAt: submittedAt, duration: seconds,
                                            requestID: requestID)
            }
            // Not for a function deleted meanwhile: its log went with it.
            if result.log != nil, self.store.latest(name: metadata.name) != nil {
                self.functionLogs.append(function: metadata.name, version: metadata.version, requestID: requestID, log: result.log)
            }
            if !result.ok {
                self.log.info("invoke failed", ["request_id": requestID, "fn": metadata.id, "code": (result.code ?? .internal).rawValue,
                                                "error": String((result.error ?? "-").prefix(300))])
            }
            // The client may have gone, or timed out and moved on: then there is no one to tell.
            guard !session.isClosed, session.busy, session.generation == generation else { return }
            var response = answer(result)
            if let invocationID { response.headers.add(name: "X-Invocation-Id", value: invocationID) }
            reply(response)
        }
    }

    /// The spec's result message, `{"ok":true,"output":"..."}` (base64 with
    /// `"encoding":"base64"` only when the output is not valid UTF-8: `PayloadEncoding`'s one
    /// rule) or `{"ok":false,"error":"..."}`, written by the wire codec in its inline form.
    private static func invokeResponse(_ result: ResultMessage) -> HTTPResponse {
        guard result.ok else {
            let code = result.code ?? .internal
            return HTTPResponse.jsonError(status: HTTPStatus(code: code.httpStatus), message: result.error ?? "the function failed")
        }
        let answer = ResultMessage(ok: true, id: nil, output: result.output ?? [], error: nil, code: nil, bodyForm: .inline)
        var body: [UInt8] = []
        _ = WireMessage.result(answer).appendJSON(to: &body)
        return HTTPResponse(status: .ok, body: body)
    }

    /// CORS preflight for a public function with `&cors=`: 204 with the allowed origin, else 403.
    func preflight(_ call: RouteCall) {
        let fn = call.request.queryValue("fn") ?? ""
        preflight(call, metadata: FunctionName.isValidID(fn) ? store.resolve(fn) : nil, methods: "POST", addOrigin: true)
    }

    /// `addOrigin` false: the route's reply adds the CORS headers already (`/fn/`).
    private func preflight(_ call: RouteCall, metadata: FunctionMetadata?, methods: String, addOrigin: Bool) {
        let headers = FunctionAccess(metadata).corsHeaders(origin: call.request.headers.first(name: "Origin"))
        guard !headers.isEmpty else {
            return call.reply(HTTPResponse.jsonError(status: .forbidden, message: "no cross-origin calls to this function"))
        }
        var response = HTTPResponse(status: .noContent)
        if addOrigin { for (name, value) in headers { response.headers.add(name: name, value: value) } }
        response.headers.add(name: "Access-Control-Allow-Methods", value: methods)
        response.headers.add(name: "Access-Control-Allow-Headers", value: "Content-Type")
        response.headers.add(name: "Access-Control-Max-Age", value: "600")
        call.reply(response)
    }
}
