import FaaSSystem
import FaaSProtocol
import FaaSHTTP
import FaaSStore
import FaaSSandbox
import FaaSWasm
import Foundation
import Glibc

/// Runs the gateway until SIGTERM/SIGINT. `onListening` receives the bound port (tests bind 0).
public func runGateway(_ options: GatewayOptions, onListening: ((UInt16) -> Void)? = nil) throws {
    let loop = try EventLoop()
    let gateway = try Gateway(options: options, loop: loop)
    let port = try gateway.start()
    onListening?(port)
    try loop.run()
    gateway.shutdown()
}

/// The HTTP API on :8080. Deploys are handled here (store + compile); invokes go to the server
/// over one multiplexed UNIX socket.
final class Gateway {
    let loop: EventLoop
    private let options: GatewayOptions
    private let log: Logger
    private let store: FunctionStore
    private let server: ServerLink
    private let deployer: Deployer
    private var listener: FileDescriptor?
    private var sessions: [ObjectIdentifier: HTTPSession] = [:]
    private var metrics = GatewayMetrics()
    private let limits: HTTPParserLimits
    private let encoder = JSONEncoder()

    init(options: GatewayOptions, loop: EventLoop) throws {
        self.options = options
        self.loop = loop
        self.log = Logger(daemon: "gateway", level: options.logLevel)
        self.store = try FunctionStore(root: options.functionsDirectory)
        self.server = ServerLink(path: options.serverSocketPath, loop: loop, log: log, queueTimeout: options.queueTimeout)
        self.deployer = Deployer(options: options, store: store, loop: loop, log: log)
        var limits = HTTPParserLimits()
        limits.maxBodySize = options.maxBody
        self.limits = limits
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    }

    func start() throws -> UInt16 {
        try loop.onSignals([SIGTERM, SIGINT]) { [unowned self] signal in self.drain(signal) }
        let listener = try Socket.listenTCP(host: options.host, port: options.port)
        self.listener = listener
        try loop.register(listener, .readable) { [unowned self] _ in self.acceptClients() }
        server.connect()
        sweep()
        let port = try Socket.localPort(listener)
        log.info("listening", ["port": port, "functions": store.count, "dir": options.functionsDirectory])
        return port
    }

    private var draining = false

    /// Stops accepting, lets requests in flight finish (up to FAAS_SHUTDOWN_GRACE seconds), then
    /// stops the loop. A second signal stops at once.
    private func drain(_ signal: Int32) {
        if draining {
            log.warn("second signal: stopping now", ["signal": signal])
            loop.stop()
            return
        }
        draining = true
        let busy = sessions.values.filter(\.busy).count
        log.info("stopping", ["signal": signal, "in_flight": busy])
        if let listener {
            loop.unregister(listener)
            listener.close()
            self.listener = nil
        }
        let deadline = EventLoop.now() + options.shutdownGrace
        func check() {
            for session in sessions.values where !session.busy { session.connection.closeAfterFlush() }
            if sessions.values.allSatisfy({ !$0.busy }) || EventLoop.now() >= deadline {
                loop.stop()
            } else {
                loop.schedule(after: 0.05) { check() }
            }
        }
        check()
    }

    func shutdown() {
        if let listener {
            loop.unregister(listener)
            listener.close()
            self.listener = nil
        }
        server.stop()
        for session in sessions.values { session.connection.close(.local("shutdown")) }
    }

    // MARK: connections

    private func acceptClients() {
        guard let listener else { return }
        while true {
            let accepted: IOResult<FileDescriptor>
            do { accepted = try Socket.accept(listener) } catch let error as SystemError where error.errno == EMFILE || error.errno == ENFILE {
                log.error("accept4 failed: out of descriptors; pausing accepts for 100 ms", ["error": error])
                try? loop.modify(listener, [])
                loop.schedule(after: 0.1) { [unowned self] in try? self.loop.modify(listener, .readable) }
                return
            } catch {
                log.error("accept4 failed", ["error": error])
                return
            }
            guard case .processed(let fd) = accepted else { return }
            if sessions.count >= options.maxConnections {
                // Refuse clearly rather than silently: one 503, then close. A fresh socket's send
                // buffer takes these few bytes at once; this is best effort by design.
                let refusal = HTTPResponse.jsonError(status: .serviceUnavailable, message: "too many connections (limit \(options.maxConnections))")
                _ = refusal.serialize(keepAlive: false).withUnsafeBytes { try? fd.write($0) }
                fd.close()
                metrics.countRequest(route: "refused", status: 503)
                continue
            }
            Socket.setNoDelay(fd)
            let connection = Connection(loop: loop, socket: fd)
            let session = HTTPSession(connection: connection, gateway: self, limits: limits)
            let key = ObjectIdentifier(session)
            sessions[key] = session
            connection.onClose = { [unowned self] _ in self.sessions.removeValue(forKey: key) }
            do { try connection.start() } catch {
                log.error("cannot watch client connection", ["error": error])
                connection.close(.local("\(error)"))
            }
        }
    }

    /// Once a second: slow or idle clients are cut off, and overdue invokes answered.
    private func sweep() {
        loop.schedule(after: 1) { [unowned self] in
            let now = EventLoop.now()
            for session in Array(self.sessions.values) {
                session.checkTimeouts(now: now, readTimeout: self.options.readTimeout, idleTimeout: self.options.idleTimeout)
            }
            self.server.expireOverdue(now: now)
            self.sweep()
        }
    }

    func countRejected(status: Int) {
        metrics.countRequest(route: "malformed", status: status)
    }

    // MARK: routing

    func handle(_ request: HTTPRequest, session: HTTPSession) {
        let path = request.path
        let method = request.method
        let route: String
        let keepAlive = request.keepAlive
        let reply: (String, HTTPResponse) -> Void = { [unowned self, session] route, response in
            self.metrics.countRequest(route: route, status: response.status.code)
            session.respond(response, keepAlive: keepAlive, omitBody: method == .HEAD)
        }
        switch path {
        case "/invoke":
            route = "invoke"
            guard method == .POST || method == .GET else { return reply(route, methodNotAllowed("POST")) }
            invoke(request, session: session) { reply(route, $0) }
        case "/deploy":
            route = "deploy"
            guard method == .POST else { return reply(route, methodNotAllowed("POST")) }
            deploy(request, name: request.queryValue("name"), update: Self.flag(request.queryValue("update"))) { reply(route, $0) }
        case "/functions":
            guard method == .GET || method == .HEAD else { return reply("functions", methodNotAllowed("GET")) }
            reply("functions", json(.ok, ["functions": store.list().map(Self.summary)]))
        case "/health":
            let healthy = server.isConnected
            reply("health", json(healthy ? .ok : .serviceUnavailable,
                                 ["ok": healthy, "server": healthy ? "connected" : "unreachable", "functions": store.count]))
        case "/metrics":
            let text = metrics.render(functions: store.count, connections: sessions.count, inFlight: server.inFlight,
                                      serverConnected: server.isConnected)
            reply("metrics", HTTPResponse(status: .ok, headers: ["Content-Type": "text/plain; version=0.0.4"], body: text))
        default:
            guard path.hasPrefix("/function/") else {
                return reply("unknown", HTTPResponse.jsonError(status: .notFound, message: "no such endpoint: \(path)"))
            }
            let raw = String(path.dropFirst("/function/".count))
            let name = raw.removingPercentEncoding ?? raw
            functionResource(request, name: name, session: session) { reply("function", $0) }
        }
    }

    private func functionResource(_ request: HTTPRequest, name: String, session: HTTPSession, reply: @escaping (HTTPResponse) -> Void) {
        guard FunctionName.isValidID(name) else {
            return reply(HTTPResponse.jsonError(status: .badRequest, message: "invalid function name \(name.debugDescription)"))
        }
        switch request.method {
        case .GET, .HEAD:
            guard let metadata = store.resolve(name) else {
                return reply(HTTPResponse.jsonError(status: .notFound, message: "no function \(name.debugDescription)"))
            }
            do {
                let source = try store.source(of: metadata)
                reply(HTTPResponse(status: .ok, headers: ["Content-Type": "text/plain; charset=utf-8", "X-Function-Id": metadata.id,
                                                          "X-Function-Language": metadata.language.rawValue], body: source))
            } catch {
                log.error("cannot read function source", ["id": metadata.id, "error": error])
                reply(HTTPResponse.jsonError(status: .internalServerError, message: "cannot read the function's source"))
            }
        case .PUT:
            deploy(request, name: name, update: true, reply: reply)
        case .DELETE:
            // Renames, a tree removal and an fsync under the store's flock: off the loop.
            let store = self.store
            loop.runBlocking({ Result<[FunctionMetadata], any Error> { try store.delete(name: name) } }, then: { [unowned self] outcome in
                switch outcome {
                case .success(let removed):
                    self.log.info("deleted", ["name": name, "versions": removed.count])
                    reply(self.json(.ok, ["ok": true, "deleted": removed.map(\.id)]))
                case .failure(StoreError.notFound):
                    reply(HTTPResponse.jsonError(status: .notFound, message: "no function named \(name.debugDescription)"))
                case .failure(let error):
                    self.log.error("cannot delete function", ["name": name, "error": error])
                    reply(HTTPResponse.jsonError(status: .internalServerError, message: "cannot delete: \(error)"))
                }
            })
        default:
            reply(methodNotAllowed("GET, PUT, DELETE"))
        }
    }

    // MARK: deploy

    private func deploy(_ request: HTTPRequest, name: String?, update: Bool, reply: @escaping (HTTPResponse) -> Void) {
        guard let name, !name.isEmpty else {
            return reply(HTTPResponse.jsonError(status: .badRequest, message: "missing ?name= (1-64 of A-Z a-z 0-9 _ -)"))
        }
        guard FunctionName.isValid(name) else {
            return reply(HTTPResponse.jsonError(status: .badRequest, message: "invalid function name \(name.debugDescription): use 1-64 of A-Z a-z 0-9 _ -, starting with a letter or digit"))
        }
        let languageName = request.queryValue("lang") ?? (update ? store.latest(name: name)?.language.rawValue : nil)
        guard let languageName, !languageName.isEmpty else {
            return reply(HTTPResponse.jsonError(status: .badRequest, message: "missing &lang= (c, rust, js or python)"))
        }
        guard let language = Language(parameter: languageName) else {
            return reply(HTTPResponse.jsonError(status: .badRequest, message: "unknown language \(languageName.debugDescription): expected c, rust, js or python"))
        }
        var timeout: Double?
        if let text = request.queryValue("timeout"), !text.isEmpty {
            guard let value = Double(text), value > 0, value <= options.maxTimeout else {
                return reply(HTTPResponse.jsonError(status: .badRequest, message: "invalid timeout \(text.debugDescription): seconds in (0, \(options.maxTimeout)]"))
            }
            timeout = value
        }
        var memory: Int?
        if let text = request.queryValue("memory"), !text.isEmpty {
            guard let value = Int(text), value >= 1, value <= options.maxMemory else {
                return reply(HTTPResponse.jsonError(status: .badRequest, message: "invalid memory \(text.debugDescription): MiB in 1...\(options.maxMemory)"))
            }
            memory = value
        }
        var entrypoint: String?
        if let text = request.queryValue("entrypoint"), !text.isEmpty {
            guard FunctionName.isValid(text) else {
                return reply(HTTPResponse.jsonError(status: .badRequest, message: "invalid entrypoint \(text.debugDescription)"))
            }
            entrypoint = text
        }
        var mode: String?
        if let text = request.queryValue("mode"), !text.isEmpty {
            switch (text, language.compilesToWasm) {
            case ("handler", false): mode = "handler"
            case ("script", false), ("command", false): mode = "script"
            default:
                return reply(HTTPResponse.jsonError(status: .badRequest, message: "invalid mode \(text.debugDescription): js and python take handler or script; c and rust choose by main / &entrypoint"))
            }
        }
        let deployRequest = Deployer.Request(name: name, language: language, source: request.body, entrypoint: entrypoint,
                                             timeout: timeout, memory: memory, update: update, mode: mode)
        deployer.deploy(deployRequest) { [unowned self] result in
            switch result {
            case .success(let metadata):
                self.metrics.deploys[metadata.language.rawValue, default: 0] += 1
                self.log.info("deployed", ["id": metadata.id, "language": metadata.language.rawValue, "version": metadata.version])
                reply(self.json(.created, Self.summary(metadata)))
            case .failure(let failure):
                var body: [String: Any] = ["ok": false, "error": failure.message]
                if let details = failure.details { body["details"] = details }
                reply(self.json(failure.status, body))
            }
        }
    }

    private static func summary(_ metadata: FunctionMetadata) -> [String: Any] {
        var summary: [String: Any] = [
            "id": metadata.id, "name": metadata.name, "language": metadata.language.rawValue, "version": metadata.version,
            "entrypoint": metadata.entrypoint, "mode": metadata.mode, "created_at": metadata.createdAt, "size": metadata.size,
        ]
        if let timeout = metadata.timeout { summary["timeout"] = timeout }
        if let memory = metadata.memory { summary["memory"] = memory }
        return summary
    }

    // MARK: invoke

    private func invoke(_ request: HTTPRequest, session: HTTPSession, reply: @escaping (HTTPResponse) -> Void) {
        guard let fn = request.queryValue("fn"), !fn.isEmpty else {
            return reply(HTTPResponse.jsonError(status: .badRequest, message: "missing ?fn= (a function id or name)"))
        }
        guard FunctionName.isValidID(fn) else {
            return reply(HTTPResponse.jsonError(status: .badRequest, message: "invalid function id \(fn.debugDescription)"))
        }
        guard let metadata = store.resolve(fn) else {
            return reply(HTTPResponse.jsonError(status: .notFound, message: "function not found: \(fn)"))
        }
        let timeout = min(metadata.timeout ?? options.defaultTimeout, options.maxTimeout)
        let memory = metadata.memory ?? options.defaultMemory
        let started = EventLoop.now()
        let generation = session.generation
        server.invoke(fn: metadata.id, payload: request.body, timeout: timeout, memory: memory) { [unowned self, session] result in
            self.metrics.observeInvoke(outcome: result.ok ? "ok" : (result.code ?? .internal).rawValue, seconds: EventLoop.now() - started)
            // The client may have gone, or timed out and moved on: then there is no one to tell.
            guard !session.isClosed, session.busy, session.generation == generation else { return }
            reply(Self.invokeResponse(result))
        }
    }

    private static func invokeResponse(_ result: ResultMessage) -> HTTPResponse {
        var body: [UInt8] = []
        if result.ok {
            body.append(contentsOf: #"{"ok":true,"output":"#.utf8)
            JSONText.appendString(result.output ?? "", to: &body)
            if result.encoding == .base64 { body.append(contentsOf: #","encoding":"base64""#.utf8) }
            body.append(UInt8(ascii: "}"))
            return HTTPResponse(status: .ok, body: body)
        }
        let code = result.code ?? .internal
        return HTTPResponse.jsonError(status: HTTPStatus(code: code.httpStatus), message: result.error ?? "the function failed")
    }

    // MARK: helpers

    private func json(_ status: HTTPStatus, _ object: [String: Any]) -> HTTPResponse {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return HTTPResponse(status: status, body: [UInt8](data))
    }

    private func methodNotAllowed(_ allowed: String) -> HTTPResponse {
        var response = HTTPResponse.jsonError(status: .methodNotAllowed, message: "method not allowed; use \(allowed)")
        response.headers.add(name: "Allow", value: allowed)
        return response
    }

    private static func flag(_ value: String?) -> Bool {
        guard let value else { return false }
        return ["1", "true", "yes"].contains(value.lowercased())
    }
}
