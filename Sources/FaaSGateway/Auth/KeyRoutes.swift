import FaaSHTTP

/// `GET /keys`, `POST /keys`, `DELETE /keys/ID` (admin scope, checked by the router):
/// `KeyManagement`'s answers, or 404 when the gateway runs without keys (FAAS_AUTH=off).
struct KeyRoutes {
    /// Nil with auth off: there is no key store to manage.
    let management: KeyManagement?

    func list(_ call: RouteCall) {
        call.reply(management?.list() ?? Self.authOff())
    }

    func create(_ call: RouteCall) {
        call.reply(management?.create(body: call.request.body, caller: call.principal?.id ?? "-") ?? Self.authOff())
    }

    func delete(_ call: RouteCall) {
        call.reply(management?.delete(id: call.parameter ?? "", caller: call.principal?.id ?? "-") ?? Self.authOff())
    }

    private static func authOff() -> HTTPResponse {
        HTTPResponse.jsonError(status: .notFound, message: "keys are not used: the gateway runs with FAAS_AUTH=off")
    }
}
