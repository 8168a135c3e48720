import FaaSSystem
import FaaSHTTP

/// `GET /secrets` (the names) and `PUT`/`DELETE /secrets/NAME` (admin scope, checked by the
/// router). Values go to the `SecretStore`; deploys check the names through it too.
struct SecretRoutes {
    let secrets: SecretStore
    let log: Logger

    /// `GET /secrets`: the names, never the values.
    func list(_ call: RouteCall) {
        call.reply(HTTPResponse.json(status: .ok, ResponseBodies.SecretList(secrets: secrets.names())))
    }

    /// `PUT /secrets/NAME` (body = the value) and `DELETE /secrets/NAME`. The value is never
    /// logged nor returned.
    func change(_ call: RouteCall) {
        let name = call.parameter ?? ""
        guard SecretStore.isValidName(name) else {
            return call.reply(HTTPResponse.jsonError(status: .badRequest, message: "invalid secret name \(name.debugDescription): use 1-64 of A-Z a-z 0-9 _ -, starting with a letter or digit"))
        }
        do {
            if call.request.method == .PUT {
                guard call.request.body.count <= SecretStore.maxValueBytes else {
                    return call.reply(HTTPResponse.jsonError(status: .payloadTooLarge, message: "a secret's value is at most \(SecretStore.maxValueBytes) bytes"))
                }
                try secrets.put(name, value: call.request.body)
                log.info("secret stored", ["name": name])
                call.reply(HTTPResponse.json(status: .ok, ResponseBodies.SecretStored(name: name)))
            } else {
                guard try secrets.delete(name) else {
                    return call.reply(HTTPResponse.jsonError(status: .notFound, message: "no secret \(name.debugDescription)"))
                }
                log.info("secret deleted", ["name": name])
                call.reply(HTTPResponse.json(status: .ok, ResponseBodies.SecretStored(name: name)))
            }
        } catch {
            log.error("cannot change secret", ["name": name, "error": error])
            call.reply(HTTPResponse.jsonError(status: .internalServerError, message: "cannot store the secret: \(error)"))
        }
    }
}
