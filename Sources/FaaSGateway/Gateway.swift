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
    Allocator.keepLargeBuffers()
    let loop = try EventLoop()
    let gateway = try Gateway(options: options, loop: loop)
    let port = try gateway.start()
    onListening?(port)
    try loop.run()
    gateway.shutdown()
}

/// The HTTP API on :8080. Deploys are handled here (store + compile); invokes go to the server
/// over one multiplexed UNIX socket. This file holds the connections, the route table and
/// `handle`; the handlers live by route group: `Gateway+Invoke.swift`, `Gateway+Deploy.swift`,
/// `Gateway+Functions.swift`, `Gateway+Monitoring.swift`, and the types `InvocationRoutes`,
/// `SecretRoutes` and `KeyRoutes`.
final class Gateway {
    let loop: EventLoop
    let options: GatewayOptions
    let log: Logger
    let store: FunctionStore
    let server: ServerLink
    /// Pings through the chain: `/health`'s answer and invokes' fail-fast check.
    let chain: ChainMonitor
    /// Largest `&concurrency` a deploy may ask for (the server's largest pool).
    static let maxConcurrency = 256
    let deployer: Deployer
    /// Secret values by name (`/secrets`); functions name the ones they may read.
    let secrets: SecretStore
    private let secretRoutes: SecretRoutes
    private var listener: FileDescriptor?
    private(set) var sessions: [ObjectIdentifier: HTTPSession] = [:]
    /// Connections, requests in flight and body memory, in total and per client address.
    var admission: Admission
    /// Sessions whose request body waits for memory, oldest first.
    private var bodyWaiters: [HTTPSession] = []
    private var wakingWaiters = false
    var maxBody: Int { options.maxBody }
    var metrics = GatewayMetrics()
    var requestIDs = RequestIDs()
    private let limits: HTTPParserLimits
    let authenticator: Authenticator
    private let keyRoutes: KeyRoutes
    let invocations: Invocations
    let invocationRoutes: InvocationRoutes
    /// What functions log, per function, apart from their output.
    let functionLogs: FunctionLogs
    private lazy var router = makeRouter()

    init(options: GatewayOptions, loop: EventLoop) throws {
        self.options = options
        self.loop = loop
        self.log = Logger(daemon: "gateway", level: options.logLevel)
        self.store = try FunctionStore(root: options.functionsDirectory)
        self.server = ServerLink(path: options.serverSocketPath, loop: loop, log: log, queueTimeout: options.queueTimeout)
        self.chain = ChainMonitor(link: server, loop: loop, log: log)
        self.deployer = Deployer(options: options, store: store, loop: loop, log: log)
        self.secrets = try SecretStore(functionsRoot: store.root)
        self.secretRoutes = SecretRoutes(secrets: secrets, log: log)
        self.authenticator = try Authenticator(options: options.auth, log: log)
        let log = self.log
        self.keyRoutes = KeyRoutes(management: authenticator.keys.map { KeyManagement(keys: $0, log: log) })
        self.invocations = try Invocations(options: options.invocations, loop: loop, server: server, log: log)
        let store = self.store
        invocations.concurrencyOf = { store.function(id: $0)?.concurrency }
        self.invocationRoutes = InvocationRoutes(invocations: invocations)
        let functionLogs = try FunctionLogs(directory: options.functionsDirectory + "/.logs", maxBytes: options.functionLogMax, loop: loop, log: log)
        self.functionLogs = functionLogs
        invocations.onResult = { record, result in
            guard result.log != nil, store.latest(name: record.function) != nil else { return }
            functionLogs.append(function: record.function, version: record.version ?? 0, requestID: record.requestID ?? record.id, log: result.log)
        }
        var limits = HTTPParserLimits()
        limits.maxBodySize = options.maxBody
        self.limits = limits
        self.admission = Admission(limits: options.admission)
    }

    func start() throws -> UInt16 {
        try loop.onSignals([SIGTERM, SIGINT]) { [unowned self] signal in self.drain(signal) }
        let listener = try Socket.listenTCP(host: options.host, port: options.port)
        self.listener = listener
        try loop.register(listener, .readable) { [unowned self] _ in self.acceptClients() }
        server.connect()
        chain.start()
        invocations.start()
        sweep()
        let port = try Socket.localPort(listener)
        log.info("listening", ["port": port, "functions": store.count, "dir": options.functionsDirectory])
        if options.sandbox == .none { log.warn(CommonSettings.sandboxOffWarning) }
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
        functionLogs.endStreams()
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
        invocations.shutdown()
        functionLogs.shutdown()
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
            let address = Socket.peerAddress(fd) ?? "unknown"
            let verdict = admission.openConnection(address)
            if verdict == .full || verdict == .clientFull {
                // Refuse clearly rather than silently: one answer, then close. A fresh socket's
                // send buffer takes these few bytes at once; this is best effort by design.
                let refusal = verdict == .full
                    ? HTTPResponse.jsonError(status: .serviceUnavailable, message: "too many connections (limit \(options.maxConnections))")
                    : HTTPResponse.jsonError(status: .tooManyRequests, message: "too many connections from \(address) (limit \(options.admission.perClientConnections))")
                _ = refusal.serialize(keepAlive: false).withUnsafeBytes { try? fd.write($0) }
                fd.close()
                metrics.countRequest(route: "refused", status: refusal.status.code)
                continue
            }
            Socket.setNoDelay(fd)
            let connection = Connection(loop: loop, socket: fd)
            let session = HTTPSession(connection: connection, gateway: self, limits: limits, peerAddress: address, healthOnly: verdict == .healthOnly)
            let key = ObjectIdentifier(session)
            sessions[key] = session
            connection.onClose = { [unowned self] _ in
                // The dictionary holds the session's last reference: it goes last.
                if let session = self.sessions[key] {
                    session.clientLeft()
                    self.bodyWaiters.removeAll { $0 === session }
                    session.releaseAdmission()
                    self.functionLogs.sessionClosed(session)
                }
                self.admission.closeConnection(address)
                self.sessions.removeValue(forKey: key)
            }
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
                session.checkTimeouts(now: now, headerTimeout: self.options.headerTimeout, readTimeout: self.options.readTimeout,
                                      idleTimeout: self.options.idleTimeout)
            }
            self.server.expireOverdue(now: now)
            self.sweep()
        }
    }

    /// `session`'s body waits until enough body memory is free.
    func waitForBodyMemory(_ session: HTTPSession) {
        bodyWaiters.append(session)
    }

    /// Body memory was released: waiting bodies that now fit are read, oldest first.
    func bodyMemoryFreed() {
        guard !wakingWaiters else { return }
        wakingWaiters = true
        defer { wakingWaiters = false }
        var index = 0
        while index < bodyWaiters.count {
            let session = bodyWaiters[index]
            if session.isClosed || session.waitingForBody == nil {
                bodyWaiters.remove(at: index)
            } else if session.retryBodyReservation() {
                bodyWaiters.removeAll { $0 === session }
            } else {
                index += 1
            }
        }
    }

    /// A request refused by the parser, counted under its route when its target's start shows it.
    func countRejected(status: Int, target: String?) {
        let route = target.flatMap { router.routeName(forTarget: $0) } ?? "malformed"
        metrics.countRequest(route: route, status: status)
    }

    // MARK: routing

    typealias Handler = (RouteCall) -> Void

    /// Every route, its methods, what each needs and which query parameters it knows.
    private func makeRouter() -> Router<Handler> {
        var router = Router<Handler>()
        typealias Endpoint = Router<Handler>.Endpoint
        let deployQuery: Set<String> = ["name", "lang", "entrypoint", "mode", "timeout", "memory", "cpu", "concurrency", "update", "public", "cors",
                                        "env", "secrets", "event"]
        router.add("invoke", .exact("/invoke"), [
            Endpoint(method: .POST, requirement: .invokeFunction, query: InvocationRoutes.invokeQuery.union(["fn"])) { [unowned self] in self.invoke($0) },
            Endpoint(method: .OPTIONS, requirement: .open, query: ["fn"]) { [unowned self] in self.preflight($0) },
        ])
        // The raw route: any method, the query and the sub-path are the function's.
        router.add("fn", .prefix(FnRequest.prefix), [
            Endpoint(method: Router<Handler>.anyMethod, requirement: .invokePathFunction, query: [], passesQuery: true) { [unowned self] in
                self.invokeRaw($0)
            },
        ])
        router.add("deploy", .exact("/deploy"), [
            Endpoint(method: .POST, requirement: .scope(.deploy), query: deployQuery) { [unowned self] in self.deploy($0) },
        ])
        router.add("functions", .exact("/functions"), [
            Endpoint(method: .GET, requirement: .scope(.read), query: []) { [unowned self] in self.functionList($0) },
        ])
        router.add("health", .exact("/health"), [
            Endpoint(method: .GET, requirement: .open, query: []) { [unowned self] in self.health($0) },
        ])
        router.add("metrics", .exact("/metrics"), [
            Endpoint(method: .GET, requirement: .scope(.read), query: []) { [unowned self] in self.metricsRoute($0) },
        ])
        router.add("logs", .between("/function/", "/logs"), [
            Endpoint(method: .GET, requirement: .scope(.read), query: ["tail", "since", "follow"]) { [unowned self] in self.functionLogsRoute($0) },
        ])
        // Before "function": its prefix would take `NAME/versions` as a name.
        router.add("function_versions", .between("/function/", "/versions"), [
            Endpoint(method: .GET, requirement: .scope(.read), query: []) { [unowned self] in self.versions($0) },
        ])
        router.add("function_rollback", .between("/function/", "/rollback"), [
            Endpoint(method: .POST, requirement: .scope(.deploy), query: ["version"]) { [unowned self] in self.rollback($0) },
        ])
        router.add("secrets", .exact("/secrets"), [
            Endpoint(method: .GET, requirement: .scope(.admin), query: []) { [unowned self] in self.secretRoutes.list($0) },
        ])
        router.add("secret", .prefix("/secrets/"), [
            Endpoint(method: .PUT, requirement: .scope(.admin), query: []) { [unowned self] in self.secretRoutes.change($0) },
            Endpoint(method: .DELETE, requirement: .scope(.admin), query: []) { [unowned self] in self.secretRoutes.change($0) },
        ])
        router.add("function", .prefix("/function/"), [
            Endpoint(method: .GET, requirement: .scope(.read), query: []) { [unowned self] in self.source($0) },
            Endpoint(method: .PUT, requirement: .scope(.deploy), query: deployQuery.subtracting(["name", "update"])) { [unowned self] in self.update($0) },
            Endpoint(method: .DELETE, requirement: .scope(.deploy), query: []) { [unowned self] in self.delete($0) },
        ])
        router.add("invocations", .exact("/invocations"), [
            Endpoint(method: .GET, requirement: .authenticated, query: ["fn", "state", "limit"]) { [unowned self] in self.invocationRoutes.list($0) },
        ])
        // Before the prefix route: "summary" is not an invocation id.
        router.add("invocations", .exact("/invocations/summary"), [
            Endpoint(method: .GET, requirement: .authenticated, query: ["fn", "window", "recent"]) { [unowned self] in self.invocationRoutes.summary($0) },
        ])
        router.add("invocations", .prefix("/invocations/"), [
            Endpoint(method: .GET, requirement: .authenticated, query: []) { [unowned self] in self.invocationRoutes.get($0) },
            Endpoint(method: .DELETE, requirement: .scope(.invoke), query: []) { [unowned self] in self.invocationRoutes.cancel($0) },
        ])
        router.add("keys", .exact("/keys"), [
            Endpoint(method: .GET, requirement: .scope(.admin), query: []) { [unowned self] in self.keyRoutes.list($0) },
            Endpoint(method: .POST, requirement: .scope(.admin), query: []) { [unowned self] in self.keyRoutes.create($0) },
        ])
        router.add("keys", .prefix("/keys/"), [
            Endpoint(method: .DELETE, requirement: .scope(.admin), query: []) { [unowned self] in self.keyRoutes.delete($0) },
        ])
        // The web console: static files compiled in, open (the page asks for a key itself).
        router.add("ui", .exact("/ui"), [
            Endpoint(method: .GET, requirement: .open, query: []) { call in
                call.reply(HTTPResponse(status: .movedPermanently, headers: ["Location": "/ui/"]))
            },
        ])
        let console: Handler = { call in
            call.reply(ConsoleAssets.response(for: call.parameter, ifNoneMatch: call.request.headers.first(name: "If-None-Match")))
        }
        router.add("ui", .exact("/ui/"), [Endpoint(method: .GET, requirement: .open, query: [], handler: console)])
        router.add("ui", .prefix("/ui/"), [Endpoint(method: .GET, requirement: .open, query: [], handler: console)])
        return router
    }

    /// Routes one request: 404 for an unknown path, 405 for a method the route lacks, 400 for
    /// unknown query parameters, then the authenticator's verdict, then the handler.
    func handle(_ request: HTTPRequest, session: HTTPSession) {
        let method = request.method
        let keepAlive = request.keepAlive
        // Every answer to an invoke carries its request id, refusals too.
        let requestID = request.path == "/invoke" || request.path.hasPrefix(FnRequest.prefix)
            ? requestIDs.id(for: request.headers.first(name: "x-request-id")) : nil
        func tagged(_ response: HTTPResponse) -> HTTPResponse {
            guard let requestID else { return response }
            var response = response
            response.headers.add(name: "X-Request-Id", value: requestID)
            return response
        }
        if session.healthOnly && request.path != "/health" {
            metrics.countRequest(route: "refused", status: 503)
            return session.respond(tagged(HTTPResponse.jsonError(status: .serviceUnavailable, message: "too many connections (limit \(options.maxConnections)); this one may only ask /health")),
                                   keepAlive: false, omitBody: method == .HEAD)
        }
        guard session.admitRequest() else {
            metrics.countRequest(route: "refused", status: 429)
            return session.respond(tagged(HTTPResponse.jsonError(status: .tooManyRequests, message: "too many requests in flight from \(session.peerAddress) (limit \(options.admission.perClientRequests))")),
                                   keepAlive: keepAlive, omitBody: method == .HEAD)
        }
        guard let (route, parameter) = router.match(request.path) else {
            metrics.countRequest(route: "unknown", status: 404)
            return session.respond(tagged(HTTPResponse.jsonError(status: .notFound, message: "no such endpoint: \(request.path)")),
                                   keepAlive: keepAlive, omitBody: method == .HEAD)
        }
        var extraHeaders: [(String, String)] = requestID.map { [("X-Request-Id", $0)] } ?? []
        let reply: (HTTPResponse) -> Void = { [unowned self, session] response in
            var response = response
            for (name, value) in extraHeaders { response.headers.add(name: name, value: value) }
            self.metrics.countRequest(route: route.name, status: response.status.code)
            session.respond(response, keepAlive: keepAlive, omitBody: method == .HEAD)
        }
        guard let endpoint = route.endpoint(for: method) else { return reply(methodNotAllowed(route.allow)) }
        let unknown = Router<Handler>.unknownParameters(request, endpoint)
        guard unknown.isEmpty else {
            let known = endpoint.query.sorted().joined(separator: ", ")
            return reply(HTTPResponse.jsonError(status: .badRequest, message: "unknown query parameter\(unknown.count == 1 ? "" : "s") \(unknown.joined(separator: ", ")) for \(method) \(request.path)\(known.isEmpty ? " (it takes none)" : "; known: \(known)")"))
        }
        let access: Access
        var function: FunctionMetadata?? = nil
        switch endpoint.requirement {
        case .open: access = .open
        case .authenticated: access = .authenticated
        case .scope(let scope): access = .scope(scope)
        case .invokeFunction, .invokePathFunction:
            let fn = (endpoint.requirement.isPathFunction ? FnRequest(path: request.path)?.function : request.queryValue("fn")) ?? ""
            let metadata = FunctionName.isValidID(fn) ? store.resolve(fn) : nil
            function = .some(metadata)
            access = .invoke(InvokeTarget(name: metadata?.name ?? fn, isPublic: metadata?.isPublic == true))
            if let metadata {
                extraHeaders += FunctionAccess(metadata).corsHeaders(origin: request.headers.first(name: "Origin"))
            }
        }
        switch authenticator.authorize(request, access: access, client: clientAddress(request, session), route: route.name) {
        case .refuse(let response):
            if let requestID { log.info("invoke refused", ["request_id": requestID, "route": route.name, "status": response.status.code]) }
            reply(response)
        case .allow(let principal):
            endpoint.handler(RouteCall(request: request, session: session, parameter: parameter, principal: principal, requestID: requestID, reply: reply,
                                       function: function))
        }
    }

    /// The caller's address: the peer, or what a trusted proxy says in X-Forwarded-For.
    func clientAddress(_ request: HTTPRequest, _ session: HTTPSession) -> String {
        ClientAddress.effective(peer: session.peerAddress, forwardedFor: request.headers["X-Forwarded-For"],
                                trusted: options.auth.trustedProxies)
    }

    // MARK: helpers

    private func methodNotAllowed(_ allowed: String) -> HTTPResponse {
        var response = HTTPResponse.jsonError(status: .methodNotAllowed, message: "method not allowed; use \(allowed)")
        response.headers.add(name: "Allow", value: allowed)
        return response
    }

    /// The name or id a `/function/N` route was given; nil when it is neither, and the 400 has
    /// been answered.
    func functionName(_ call: RouteCall) -> String? {
        let name = call.parameter ?? ""
        guard FunctionName.isValidID(name) else {
            call.reply(HTTPResponse.jsonError(status: .badRequest, message: "invalid function name \(name.debugDescription)"))
            return nil
        }
        return name
    }
}
