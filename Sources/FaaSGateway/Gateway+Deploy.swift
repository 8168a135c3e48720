import FaaSHTTP
import FaaSStore

/// `POST /deploy`, `PUT /function/N` (a new version of N) and `DELETE /function/N`: the store
/// and the compile, through the `Deployer`.
extension Gateway {
    /// `POST /deploy?name=...[&update=1]`: the body is the source or a bundle archive.
    func deploy(_ call: RouteCall) {
        deploy(call.request, name: call.request.queryValue("name"), update: Self.flag(call.request.queryValue("update")),
               session: call.session, reply: call.reply)
    }

    /// `PUT /function/N`: as `POST /deploy?name=N&update=1`.
    func update(_ call: RouteCall) {
        guard let name = functionName(call) else { return }
        deploy(call.request, name: name, update: true, session: call.session, reply: call.reply)
    }

    /// `DELETE /function/N`.
    func delete(_ call: RouteCall) {
        guard let name = functionName(call) else { return }
        let reply = call.reply
        // By name or by any of its ids (as GET): the whole function, every version.
        // Renames, a tree removal and an fsync under the store's flock: off the loop.
        let target = store.latest(name: name)?.name ?? store.resolve(name)?.name ?? name
        let store = self.store
        loop.runBlocking({ Result<[FunctionMetadata], any Error> { try store.delete(name: target) } }, then: { [unowned self] outcome in
            switch outcome {
            case .success(let removed):
                self.log.info("deleted", ["name": target, "versions": removed.count])
                self.functionLogs.delete(function: target)
                reply(HTTPResponse.json(status: .ok, ResponseBodies.Deleted(deleted: removed.map(\.id))))
            case .failure(StoreError.notFound):
                reply(HTTPResponse.jsonError(status: .notFound, message: "no function named \(name.debugDescription)"))
            case .failure(let error):
                self.log.error("cannot delete function", ["name": target, "error": error])
                reply(HTTPResponse.jsonError(status: .internalServerError, message: "cannot delete: \(error)"))
            }
        })
    }

    private func deploy(_ request: HTTPRequest, name: String?, update: Bool, session: HTTPSession, reply: @escaping (HTTPResponse) -> Void) {
        // An archive is read and checked whole (inflating up to the bundle limits) off the loop.
        if let format = ArchiveFormat(detecting: request.body) {
            let (body, limits) = (request.body, options.bundleLimits)
            loop.runBlocking({ Result { try BundleArchive(format: format, bytes: body, limits: limits) } }, then: { [unowned self] read in
                switch read {
                case .success(let bundle): self.deploy(request, name: name, update: update, bundle: bundle, session: session, reply: reply)
                case .failure(let error): reply(HTTPResponse.jsonError(status: .badRequest, message: "\(error)"))
                }
            })
            return
        }
        deploy(request, name: name, update: update, bundle: nil, session: session, reply: reply)
    }

    private func deploy(_ request: HTTPRequest, name: String?, update: Bool, bundle: BundleArchive?, session: HTTPSession,
                        reply: @escaping (HTTPResponse) -> Void) {
        var deployRequest: Deployer.Request
        do {
            deployRequest = try DeployRequestParser(options: options, store: store, secrets: secrets).parse(request, name: name, update: update, bundle: bundle)
        } catch {
            return reply(error.response)
        }
        // A client that leaves stops its compile: nothing is stored.
        let cancellation = DeployCancellation()
        deployRequest.cancellation = cancellation
        session.onClientGone = { cancellation.cancel() }
        deployer.deploy(deployRequest) { [unowned self] result in
            switch result {
            case .success(let metadata):
                self.metrics.deploys[metadata.language.rawValue, default: 0] += 1
                self.log.info("deployed", ["id": metadata.id, "language": metadata.language.rawValue, "version": metadata.version])
                reply(HTTPResponse.json(status: .created, ResponseBodies.FunctionSummary(metadata)))
            case .failure(let failure):
                reply(HTTPResponse.json(status: failure.status, HTTPResponse.ErrorBody(error: failure.message, details: failure.details)))
            }
        }
    }

    private static func flag(_ value: String?) -> Bool {
        guard let value else { return false }
        return ["1", "true", "yes"].contains(value.lowercased())
    }
}
