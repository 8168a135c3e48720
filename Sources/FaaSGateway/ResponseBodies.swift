import FaaSStore

/// The gateway's JSON answers as typed values, encoded by `HTTPResponse.json` (the invoke
/// result is the wire's result message, `Gateway.invokeResponse`).
enum ResponseBodies {
    /// A function as `/deploy` and `/functions` show it.
    struct FunctionSummary: Encodable {
        let id: String
        let name: String
        let language: Language
        let version: Int
        let entrypoint: String
        let mode: FunctionMode
        let createdAt: String
        let size: Int
        let timeout: Double?
        let memory: Int?
        /// `&cpu`: cores for its runtime's cgroup (absent: the workers' default).
        let cpu: Double?
        let concurrency: Int?
        /// Present only when set: anyone may invoke it; `cors` the origin allowed to.
        let isPublic: Bool?
        let cors: String?
        /// A bundle's archive format and entry file; absent for a single source.
        let bundle: ArchiveFormat?
        let entryFile: String?
        let env: [String: String]?
        /// The secrets' names (never a value).
        let secrets: [String]?
        /// Only in `/function/N/versions`: the version invokes by name reach.
        var current: Bool?
        /// `&event`, when set (JS and Python handlers).
        let event: EventMode?

        enum CodingKeys: String, CodingKey {
            case id, name, language, version, entrypoint, mode, size, timeout, memory, cpu, concurrency, cors, bundle, env, secrets, current
            case isPublic = "public"
            case createdAt = "created_at"
            case entryFile = "entry_file"
            case event
        }

        init(_ metadata: FunctionMetadata) {
            id = metadata.id
            name = metadata.name
            language = metadata.language
            version = metadata.version
            entrypoint = metadata.entrypoint
            mode = metadata.mode
            createdAt = metadata.createdAt
            size = metadata.size
            timeout = metadata.timeout
            memory = metadata.memory
            cpu = metadata.cpu
            concurrency = metadata.concurrency
            isPublic = metadata.isPublic == true ? true : nil
            cors = metadata.cors
            bundle = metadata.bundle
            entryFile = metadata.entryFile
            env = metadata.env
            secrets = metadata.secrets
            event = metadata.event
        }
    }

    struct VersionList: Encodable {
        let versions: [FunctionSummary]
    }

    struct SecretList: Encodable {
        let secrets: [String]
    }

    struct SecretStored: Encodable {
        let ok = true
        let name: String
    }

    struct FunctionList: Encodable {
        let functions: [FunctionSummary]
    }

    /// `{"ok":true,"server":"connected","load_balancer":"ok","functions":3}`; unhealthy, `ok` is
    /// false and `unhealthy` names the part (`server` or `load_balancer`) with `detail`.
    struct Health: Encodable {
        let ok: Bool
        let server: String
        let loadBalancer: String
        let unhealthy: String?
        let detail: String?
        let functions: Int

        enum CodingKeys: String, CodingKey {
            case ok, server, unhealthy, detail, functions
            case loadBalancer = "load_balancer"
        }

        init(_ check: ChainCheck, functions: Int) {
            ok = check.isHealthy
            switch check {
            case .healthy: (server, loadBalancer) = ("connected", "ok")
            case .serverUnreachable: (server, loadBalancer) = ("unreachable", "unknown")
            case .serverSilent: (server, loadBalancer) = ("no answer", "unknown")
            case .loadBalancer(let state): (server, loadBalancer) = ("connected", state == .timeout ? "no answer" : state.rawValue)
            }
            unhealthy = check.part
            detail = check.isHealthy ? nil : check.detail
            self.functions = functions
        }
    }

    struct Deleted: Encodable {
        let ok = true
        let deleted: [String]
    }
}
