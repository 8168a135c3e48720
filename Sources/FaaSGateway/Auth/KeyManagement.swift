import FaaSSystem
import FaaSHTTP
import FaaSStore
import Foundation

/// `POST /keys`, `GET /keys`, `DELETE /keys/ID` (admin scope, checked by the router).
struct KeyManagement {
    let keys: KeyStore
    let log: Logger

    private static let fields: Set<String> = ["scopes", "functions", "expires", "rate"]

    /// Body `{"scopes":[...],"functions":[...],"expires":UNIX_SECONDS,"rate":PER_SECOND}`; answers
    /// the new key, shown this once.
    func create(body: [UInt8], caller: String) -> HTTPResponse {
        guard let parsed = body.withUnsafeBufferPointer({ try? JSONValue.parse($0) }), case .object(let members) = parsed else {
            return HTTPResponse.jsonError(status: .badRequest, message: #"expected a JSON object: {"scopes":["invoke"],"functions":["NAME"],"expires":UNIX_SECONDS,"rate":PER_SECOND}"#)
        }
        let object = parsed
        let unknown = Set(members.map(\.0)).subtracting(Self.fields).sorted()
        guard unknown.isEmpty else {
            return HTTPResponse.jsonError(status: .badRequest, message: "unknown field(s) \(unknown.joined(separator: ", ")); known: expires, functions, rate, scopes")
        }
        guard let names = object["scopes"].flatMap(Self.strings), !names.isEmpty else {
            return HTTPResponse.jsonError(status: .badRequest, message: "scopes: a non-empty list of admin, deploy, invoke, read")
        }
        guard let scopes = Scope.parse(names) else {
            let unknown = names.first { Scope(rawValue: $0) == nil } ?? ""
            return HTTPResponse.jsonError(status: .badRequest, message: "unknown scope \(unknown.debugDescription): expected admin, deploy, invoke or read")
        }
        var functions: [String]?
        if let value = object["functions"] {
            guard let list = Self.strings(value), !list.isEmpty, list.allSatisfy(FunctionName.isValid) else {
                return HTTPResponse.jsonError(status: .badRequest, message: "functions: a non-empty list of function names")
            }
            guard scopes.contains(.invoke) else {
                return HTTPResponse.jsonError(status: .badRequest, message: "functions limits the invoke scope: add \"invoke\" to scopes")
            }
            functions = list
        }
        let now = Date().timeIntervalSince1970
        var expires: Double?
        if let value = object["expires"] {
            guard let time = value.double, time > now, time < 1e11 else {
                return HTTPResponse.jsonError(status: .badRequest, message: "expires: a Unix time in seconds, in the future")
            }
            expires = time
        }
        var rate: Double?
        if let value = object["rate"] {
            guard let perSecond = value.double, perSecond > 0, perSecond <= 1_000_000 else {
                return HTTPResponse.jsonError(status: .badRequest, message: "rate: requests per second, more than 0")
            }
            rate = perSecond
        }
        let key = Authenticator.newKey()
        let record = APIKeyRecord(id: "key_" + Crypto.hex(Crypto.randomBytes(6)), hash: APIKeyRecord.hash(of: key),
                                  scopes: scopes.sorted().map(\.rawValue), functions: functions, created: now, expires: expires, rate: rate)
        do {
            try keys.update { $0.keys.append(record) }
        } catch {
            log.error("cannot write the key file", ["file": keys.path, "error": error])
            return HTTPResponse.jsonError(status: .internalServerError, message: "cannot store the key")
        }
        log.info("key created", ["id": record.id, "scopes": record.scopes.joined(separator: ","), "by": caller])
        var answer = record.listing
        answer.key = key
        return HTTPResponse.json(status: .created, answer)
    }

    func list() -> HTTPResponse {
        try? keys.refresh()
        let entries = keys.records.map { record -> APIKeyRecord.Listing in
            var entry = record.listing
            if let used = keys.lastUse(of: record) { entry.lastUsed = Int(used) }
            return entry
        }
        return HTTPResponse.json(status: .ok, KeyList(keys: entries))
    }

    func delete(id: String, caller: String) -> HTTPResponse {
        do {
            let removed = try keys.update { file -> Bool in
                let before = file.keys.count
                file.keys.removeAll { $0.id == id }
                return file.keys.count < before
            }
            guard removed else { return HTTPResponse.jsonError(status: .notFound, message: "no key \(id.prefix(64).debugDescription)") }
        } catch {
            log.error("cannot write the key file", ["file": keys.path, "error": error])
            return HTTPResponse.jsonError(status: .internalServerError, message: "cannot delete the key")
        }
        log.info("key revoked", ["id": id, "by": caller])
        return HTTPResponse.json(status: .ok, Deleted(deleted: id))
    }

    struct KeyList: Encodable {
        let keys: [APIKeyRecord.Listing]
    }

    struct Deleted: Encodable {
        let ok = true
        let deleted: String
    }

    /// A JSON array of strings, or nil.
    private static func strings(_ value: JSONValue) -> [String]? {
        guard case .array(let items) = value else { return nil }
        let names = items.compactMap(\.string)
        return names.count == items.count ? names : nil
    }
}
