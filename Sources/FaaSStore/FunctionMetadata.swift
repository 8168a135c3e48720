/// `functions/<id>/metadata.json`: the spec's fields (`id`, `name`, `language`, `entrypoint`,
/// `created_at`, `size`) plus how to run the function.
public struct FunctionMetadata: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var language: Language
    /// `main` for programs (stdin -> stdout); the export to call for export-style wasm modules.
    public var entrypoint: String
    /// Unix time in seconds, as a string, as in the spec.
    public var createdAt: String
    /// Source size in bytes.
    public var size: Int
    /// 1 for the first deploy of a name, then one more per update.
    public var version: Int
    /// How it runs (`command`, `handler` or `export`).
    public var mode: FunctionMode
    /// The compiled module's file name for C and Rust.
    public var wasm: String?
    /// Per-function limits (seconds, MiB); nil means the platform default.
    public var timeout: Double?
    public var memory: Int?
    /// CPU quota of its runtime's cgroup, cores (`&cpu=`); nil: the workers' `FAAS_CPU`.
    public var cpu: Double?
    /// Workers it may use at once (`&concurrency=N`); nil (and metadata written before the
    /// field existed): the load balancer's default share.
    public var concurrency: Int?
    /// Deployed with `&public=true`: anyone may invoke it, without a key.
    public var isPublic: Bool?
    /// The origin (or `*`) whose pages may read a public function's answers (CORS).
    public var cors: String?
    /// Deployed as an archive (`bundle.zip` or `bundle.tar.gz` beside its unpacked `src/`); nil: one source file.
    public var bundle: ArchiveFormat?
    /// A bundle's entry file, relative to `src/` (`app/main.py`).
    public var entryFile: String?
    /// Environment variables the function's process gets (`&env=`, a bundle's function.json).
    public var env: [String: String]?
    /// Names of the secrets it may read (`&secrets=`), at `/var/secrets/NAME`; never their values.
    public var secrets: [String]?
    /// How a handler's event is made from the body (`&event=raw|json`); nil: by its content.
    public var event: EventMode?

    enum CodingKeys: String, CodingKey {
        case id, name, language, entrypoint, size, version, mode, wasm, timeout, memory, cpu, concurrency, cors, bundle, env, secrets
        case entryFile = "entry_file"
        case createdAt = "created_at"
        case isPublic = "public"
        case event
    }

    public init(id: String, name: String, language: Language, entrypoint: String, createdAt: String, size: Int,
                version: Int = 1, mode: FunctionMode = .command, wasm: String? = nil, timeout: Double? = nil, memory: Int? = nil) {
        self.id = id
        self.name = name
        self.language = language
        self.entrypoint = entrypoint
        self.createdAt = createdAt
        self.size = size
        self.version = version
        self.mode = mode
        self.wasm = wasm
        self.timeout = timeout
        self.memory = memory
    }
}
