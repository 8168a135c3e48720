import FaaSHTTP
import FaaSStore

/// What the API tells about deployed functions: `GET /functions`, `GET /function/N` (the
/// source), `/function/N/versions`, `/function/N/rollback` and `/function/N/logs`.
extension Gateway {
    /// `GET /functions`: the latest version of each.
    func functionList(_ call: RouteCall) {
        call.reply(HTTPResponse.json(status: .ok, ResponseBodies.FunctionList(functions: store.list().map(ResponseBodies.FunctionSummary.init))))
    }

    /// `GET /function/N` (and HEAD): the source as it was sent.
    func source(_ call: RouteCall) {
        guard let name = functionName(call) else { return }
        guard let metadata = store.resolve(name) else {
            return call.reply(HTTPResponse.jsonError(status: .notFound, message: "no function \(name.debugDescription)"))
        }
        do {
            let source = try store.source(of: metadata)
            // A bundle comes back as the archive that was sent, byte for byte.
            let type = metadata.bundle.map { $0 == .zip ? "application/zip" : "application/gzip" } ?? "text/plain; charset=utf-8"
            var response = HTTPResponse(status: .ok, headers: ["Content-Type": type, "X-Function-Id": metadata.id,
                                                               "X-Function-Language": metadata.language.rawValue], body: source)
            if let entry = metadata.entryFile { response.headers.add(name: "X-Function-Entry-File", value: entry) }
            call.reply(response)
        } catch {
            log.error("cannot read function source", ["id": metadata.id, "error": error])
            call.reply(HTTPResponse.jsonError(status: .internalServerError, message: "cannot read the function's source"))
        }
    }

    /// `GET /function/N/versions`: every kept version, oldest first, with its settings.
    func versions(_ call: RouteCall) {
        let name = call.parameter ?? ""
        guard FunctionName.isValidID(name), let current = store.resolve(name).flatMap({ self.store.latest(name: $0.name) }) else {
            return call.reply(HTTPResponse.jsonError(status: .notFound, message: "no function \(name.debugDescription)"))
        }
        let versions = store.versions(name: current.name).map { metadata in
            var summary = ResponseBodies.FunctionSummary(metadata)
            summary.current = metadata.id == current.id
            return summary
        }
        call.reply(HTTPResponse.json(status: .ok, ResponseBodies.VersionList(versions: versions)))
    }

    /// `POST /function/N/rollback?version=K`: version K's code and settings become a new version.
    func rollback(_ call: RouteCall) {
        let name = call.parameter ?? ""
        guard FunctionName.isValidID(name), let any = store.resolve(name) else {
            return call.reply(HTTPResponse.jsonError(status: .notFound, message: "no function \(name.debugDescription)"))
        }
        let kept = store.versions(name: any.name)
        guard let text = call.request.queryValue("version"), let number = Int(text) else {
            return call.reply(HTTPResponse.jsonError(status: .badRequest, message: "missing or invalid ?version= (a version number: \(kept.map { String($0.version) }.joined(separator: ", ")))"))
        }
        guard let target = kept.first(where: { $0.version == number }) else {
            return call.reply(HTTPResponse.jsonError(status: .notFound, message: "\(any.name) has no version \(number); kept: \(kept.map { String($0.version) }.joined(separator: ", "))"))
        }
        deployer.rollback(to: target) { [unowned self] result in
            switch result {
            case .success(let metadata):
                self.log.info("rolled back", ["id": metadata.id, "from_version": number, "version": metadata.version])
                call.reply(HTTPResponse.json(status: .created, ResponseBodies.FunctionSummary(metadata)))
            case .failure(let failure):
                call.reply(HTTPResponse.json(status: failure.status, HTTPResponse.ErrorBody(error: failure.message, details: failure.details)))
            }
        }
    }

    /// `GET /function/N/logs?tail=100[&since=TIME][&follow=1]`: the function's log lines as
    /// JSON lines (`application/x-ndjson`); `follow` keeps streaming new ones until the client leaves.
    func functionLogsRoute(_ call: RouteCall) {
        let request = call.request
        guard let name = functionName(call) else { return }
        var count = 100
        if let text = request.queryValue("tail") {
            guard let value = Int(text), (1...10_000).contains(value) else {
                return call.reply(HTTPResponse.jsonError(status: .badRequest, message: "invalid tail \(text.debugDescription): lines in 1...10000"))
            }
            count = value
        }
        var since: String?
        if let text = request.queryValue("since") {
            guard let parsed = LogTime.parse(text) else {
                return call.reply(HTTPResponse.jsonError(status: .badRequest,
                                                         message: "invalid since \(text.debugDescription): an RFC 3339 time (2026-11-28T10:00:00Z) or Unix seconds"))
            }
            since = parsed
        }
        let follow: Bool
        switch request.queryValue("follow")?.lowercased() {
        case nil, "0", "false", "no": follow = false
        case "", "1", "true", "yes": follow = true
        case let text?: return call.reply(HTTPResponse.jsonError(status: .badRequest, message: "invalid follow \(text.debugDescription): true or false"))
        }
        // Logs are kept by name: a version id names its function.
        guard let metadata = store.latest(name: name) ?? store.resolve(name) else {
            return call.reply(HTTPResponse.jsonError(status: .notFound, message: "no function \(name.debugDescription)"))
        }
        let headers: HTTPHeaders = ["Content-Type": "application/x-ndjson", "Cache-Control": "no-store"]
        if follow && request.method == .GET {
            metrics.countRequest(route: "logs", status: 200)
            return functionLogs.follow(function: metadata.name, count: count, since: since, session: call.session,
                                       head: HTTPResponse(status: .ok, headers: headers))
        }
        functionLogs.tail(function: metadata.name, count: count, since: since) { [unowned self] outcome in
            switch outcome {
            case .success(let lines):
                call.reply(HTTPResponse(status: .ok, headers: headers, body: lines))
            case .failure(let error):
                self.log.error("cannot read a function's log", ["function": metadata.name, "error": error])
                call.reply(HTTPResponse.jsonError(status: .internalServerError, message: "cannot read the function's log"))
            }
        }
    }
}
