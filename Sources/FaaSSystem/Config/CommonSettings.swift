/// Every setting of the four daemons, declared once: its flag, environment variable, default,
/// the values it takes, and its help. Each daemon's options list the ones it reads; the
/// settings table (docs/settings.md) says which daemon reads which (and a test holds the two together).
public enum CommonSettings {
    /// Largest request body or function output, bytes: one payload travels in one JSON line
    /// (at most 8/3 of its size) under the wire protocol's 48 MiB line limit.
    public static let largestPayload = 16 << 20

    // Sockets, paths, processes
    public static let port = Setting("port", env: "FAAS_PORT", default: "8080", kind: .integer(0...65535), help: "gateway TCP port")
    public static let host = Setting("host", env: "FAAS_HOST", default: "0.0.0.0", help: "gateway listen address")
    public static let lbSocket = Setting("lb-sock", env: "FAAS_LB_SOCK", default: "/tmp/faas_lb.sock", help: "load balancer UNIX socket")
    public static let serverSocket = Setting("server-sock", env: "FAAS_SERVER_SOCK", default: "/tmp/faas_server.sock", help: "server UNIX socket")
    public static let functionsDir = Setting("functions-dir", env: "FAAS_FUNCTIONS_DIR", default: "./functions", help: "where deployed functions are stored")
    public static let workers = Setting("workers", env: "FAAS_WORKERS", default: "4", kind: .integer(1...256), help: "number of pre-forked workers")
    public static let minWorkers = Setting("min-workers", env: "FAAS_MIN_WORKERS", default: "0", kind: .integer(0...256),
                                           help: "fewest workers the server keeps; 0: --workers")
    public static let maxWorkers = Setting("max-workers", env: "FAAS_MAX_WORKERS", default: "0", kind: .integer(0...256),
                                           help: "most workers the server scales up to; 0: 4 per CPU (affinity and cgroup quota), at least the minimum")
    public static let scaleUpWait = Setting("scale-up-wait", env: "FAAS_SCALE_UP_WAIT", default: "0.1", kind: .number(0...3600),
                                            help: "seconds a call may wait for a worker before the server adds workers")
    public static let scaleDownIdle = Setting("scale-down-idle", env: "FAAS_SCALE_DOWN_IDLE", default: "30", kind: .number(0.1...86_400),
                                              help: "seconds a worker beyond the minimum stays idle before it is retired")
    public static let strategy = Setting("strategy", env: "FAAS_LB_STRATEGY", default: "rr", kind: .choice(["rr", "fifo", "weighted"]),
                                         help: "worker choice: rr, fifo or weighted")
    public static let workerPath = Setting("worker-path", env: "FAAS_WORKER_PATH", default: "", help: "faas-worker executable (default: beside this executable)")
    public static let cpuPolicy = Setting("cpu-policy", env: "FAAS_CPU_POLICY", default: "batch", kind: .choice(CPUPolicy.allCases.map(\.rawValue)),
                                          help: "kernel scheduling policy of the daemons and what they start: batch (a woken process waits for the busy one's turn, so messages are handled in batches) or normal")
    public static let logLevel = Setting("log-level", env: "FAAS_LOG_LEVEL", default: "info", kind: .choice(["debug", "info", "warn", "warning", "error"]),
                                         help: "debug, info, warn or error")

    // Limits of a function (owned by the gateway: every invoke it sends carries them)
    public static let timeout = Setting("timeout", env: "FAAS_TIMEOUT", default: "10", kind: .number(0.001...86_400), help: "default time limit per invocation, seconds")
    public static let maxTimeout = Setting("max-timeout", env: "FAAS_MAX_TIMEOUT", default: "300", kind: .number(0.001...86_400),
                                           help: "largest time limit a function may ask for, seconds")
    public static let memory = Setting("memory", env: "FAAS_MEMORY", default: "128", kind: .integer(1...1_048_576), help: "default memory limit per invocation, MiB")
    public static let maxMemory = Setting("max-memory", env: "FAAS_MAX_MEMORY", default: "2048", kind: .integer(1...1_048_576),
                                          help: "largest memory limit a function may ask for, MiB")
    public static let cpu = Setting("cpu", env: "FAAS_CPU", default: "1", kind: .number(0...64),
                                    help: "CPU quota of a JS/Python/Go function's runtime (all its calls together), cores; 0: no quota")

    // Gateway
    public static let maxBody = Setting("max-body", env: "FAAS_MAX_BODY", default: "8388608", kind: .integer(1...largestPayload),
                                        help: "largest request body (source or payload), bytes")
    public static let maxConnections = Setting("max-connections", env: "FAAS_MAX_CONNECTIONS", default: "10000", kind: .integer(1...1_000_000),
                                               help: "open client connections at most")
    public static let readTimeout = Setting("read-timeout", env: "FAAS_READ_TIMEOUT", default: "30", kind: .number(0.01...3600), help: "seconds to receive a whole request")
    public static let idleTimeout = Setting("idle-timeout", env: "FAAS_IDLE_TIMEOUT", default: "15", kind: .number(0.01...86_400),
                                            help: "seconds an idle keep-alive connection stays open")
    public static let headerTimeout = Setting("header-timeout", env: "FAAS_HEADER_TIMEOUT", default: "10", kind: .number(0.01...3600),
                                              help: "seconds to receive a request's head (line and headers)")
    public static let clientConnections = Setting("client-connections", env: "FAAS_CLIENT_CONNECTIONS", default: "256", kind: .integer(1...1_000_000),
                                                  help: "open connections one client address may hold (429 beyond)")
    public static let clientRequests = Setting("client-requests", env: "FAAS_CLIENT_REQUESTS", default: "128", kind: .integer(1...1_000_000),
                                               help: "requests one client address may have in flight (429 beyond)")
    public static let bodyMemory = Setting("body-memory", env: "FAAS_BODY_MEMORY", default: "67108864", kind: .integer(1...(1 << 40)),
                                           help: "request-body bytes the gateway holds at once; beyond, bodies wait unread (half of it per client address)")
    public static let compileTimeout = Setting("compile-timeout", env: "FAAS_COMPILE_TIMEOUT", default: "120", kind: .number(0.1...3600),
                                               help: "seconds a deploy's compiler may run")
    public static let compileJobs = Setting("compile-jobs", env: "FAAS_COMPILE_JOBS", default: "0", kind: .integer(0...256),
                                            help: "compilers running at once (more deploys wait in a queue, 503 when it is full); 0: one per CPU")
    public static let maxModule = Setting("max-module", env: "FAAS_MAX_MODULE", default: "67108864", kind: .integer(1024...4_294_967_296),
                                          help: "largest compiled module (code.wasm), bytes; 422 beyond")
    public static let maxStorage = Setting("max-storage", env: "FAAS_MAX_STORAGE", default: "10240", kind: .integer(1...1_073_741_824),
                                           help: "most space the functions folder may take, MiB; a deploy beyond is refused with 507")
    public static let bundleMaxFiles = Setting("bundle-max-files", env: "FAAS_BUNDLE_MAX_FILES", default: "2000", kind: .integer(1...1_000_000),
                                               help: "entries (files and folders) a deploy archive may hold; 400 beyond")
    public static let bundleMaxUnpacked = Setting("bundle-max-unpacked", env: "FAAS_BUNDLE_MAX_UNPACKED", default: "67108864",
                                                  kind: .integer(1024...4_294_967_296), help: "bytes a deploy archive may unpack to; 400 beyond")
    public static let bundleMaxRatio = Setting("bundle-max-ratio", env: "FAAS_BUNDLE_MAX_RATIO", default: "200", kind: .integer(1...100_000),
                                               help: "unpacked bytes per archive byte a deploy archive may reach (zip bombs); 400 beyond")
    public static let maxVersions = Setting("max-versions", env: "FAAS_MAX_VERSIONS", default: "10", kind: .integer(1...1000),
                                            help: "versions kept per function (older ones are removed at each deploy; rollback reaches the kept ones)")
    public static let clang = Setting("clang", env: "FAAS_CLANG", default: "",
                                      help: "clang for C deploys (default: clang on PATH, else the one beside swift on PATH)")
    public static let wasmLinker = Setting("wasm-ld", env: "FAAS_WASM_LD", default: "",
                                           help: "wasm-ld for C deploys (default: beside clang, else on PATH)")
    public static let rustc = Setting("rustc", env: "FAAS_RUSTC", default: "/usr/bin/rustc", help: "rustc for Rust deploys (with the wasm32-wasi std)")
    public static let go = Setting("go", env: "FAAS_GO", default: "/usr/bin/go", help: "the go command for Go deploys (Debian's golang-go)")

    // Gateway: who may call it (docs/security.md)
    public static let auth = Setting("auth", env: "FAAS_AUTH", default: "on", kind: .choice(["on", "off", "true", "false", "1", "0", "yes", "no"]),
                                     help: "on: API keys or tokens required; off: every route open (development only)")
    public static let adminKey = Setting("admin-key", env: "FAAS_ADMIN_KEY", default: "",
                                         help: "the admin API key (at least 16 characters); unset: generated once into <auth-dir>/admin.key")
    public static let authDirectory = Setting("auth-dir", env: "FAAS_AUTH_DIR", default: "", help: "folder of keys.json and admin.key (default <functions-dir>/.auth)")
    public static let jwtSecret = Setting("jwt-secret", env: "FAAS_JWT_SECRET", default: "", help: "HS256 secret for Bearer JWTs (at least 32 bytes)")
    public static let jwtPublicKey = Setting("jwt-public-key", env: "FAAS_JWT_PUBLIC_KEY", default: "", help: "PEM public key file for RS256 / ES256 Bearer JWTs")
    public static let jwtIssuer = Setting("jwt-issuer", env: "FAAS_JWT_ISSUER", default: "", help: "required iss claim of JWTs (unset: not checked)")
    public static let jwtAudience = Setting("jwt-audience", env: "FAAS_JWT_AUDIENCE", default: "", help: "required aud claim of JWTs (unset: not checked)")
    public static let keyRate = Setting("key-rate", env: "FAAS_KEY_RATE", default: "0", kind: .number(0...1_000_000),
                                        help: "requests per second per key unless the key sets its own; 0: unlimited")
    public static let publicRate = Setting("public-rate", env: "FAAS_PUBLIC_RATE", default: "20", kind: .number(0.001...1_000_000),
                                           help: "requests per second per client address for public functions called without a key")
    public static let authFailures = Setting("auth-failures", env: "FAAS_AUTH_FAILURES", default: "10", kind: .number(1...1_000_000),
                                             help: "failed auth attempts per minute per client address before 429")
    public static let trustedProxies = Setting("trusted-proxies", env: "FAAS_TRUSTED_PROXIES", default: "",
                                               help: "comma-separated proxy addresses whose X-Forwarded-For is trusted")

    // Gateway: invocation records and async invocations (the Invocations section of the README)
    public static let invocationsDB = Setting("invocations-db", env: "FAAS_INVOCATIONS_DB", default: "",
                                              help: "SQLite database of invocations (default <functions-dir>/.invocations/invocations.db)")
    public static let invocationTTL = Setting("invocation-ttl", env: "FAAS_INVOCATION_TTL", default: "604800", kind: .number(1...315_360_000),
                                              help: "seconds a finished invocation is kept before it is pruned")
    public static let recordSync = Setting("record-sync", env: "FAAS_RECORD_SYNC", default: "on", kind: .choice(["on", "off"]),
                                           help: "record synchronous invocations in the history too (on or off)")
    public static let asyncConcurrency = Setting("async-concurrency", env: "FAAS_ASYNC_CONCURRENCY", default: "0", kind: .integer(0...100_000),
                                                 help: "async invocations running at once at most; 0: half of FAAS_WORKERS (at least 1)")
    public static let asyncRetries = Setting("async-retries", env: "FAAS_ASYNC_RETRIES", default: "5", kind: .integer(0...100),
                                             help: "retries of an async invocation after infrastructure failures, unless &retries= says")
    // Gateway: function logs (what functions write to stderr or print while handling)
    public static let functionLogMax = Setting("function-log-max", env: "FAAS_FUNCTION_LOG_MAX", default: "1048576", kind: .integer(4096...(1 << 34)),
                                               help: "bytes of log kept per function before it is rotated (one older file is kept)")
    public static let resultInlineMax = Setting("result-inline-max", env: "FAAS_RESULT_INLINE_MAX", default: "65536", kind: .integer(0...largestPayload),
                                                help: "outputs larger than this many bytes are stored in files beside the database")
    public static let callbackAllow = Setting("callback-allow", env: "FAAS_CALLBACK_ALLOW", default: "",
                                              help: "comma-separated CIDRs / host names callbacks may reach beyond public addresses (default: none: loopback, private and link-local refused)")

    // Gateway and server
    public static let shutdownGrace = Setting("shutdown-grace", env: "FAAS_SHUTDOWN_GRACE", default: "10", kind: .number(0...3600),
                                              help: "seconds to finish requests in flight on SIGTERM")

    // Load balancer (the gateway reads the queue wait to bound an invoke's whole wait)
    public static let queueSize = Setting("queue-size", env: "FAAS_QUEUE_SIZE", default: "1024", kind: .integer(1...1_000_000),
                                          help: "invokes the load balancer queues while every worker is busy")
    public static let queueTimeout = Setting("queue-timeout", env: "FAAS_QUEUE_TIMEOUT", default: "30", kind: .number(0.01...3600),
                                             help: "seconds an invoke may wait for a free worker")
    public static let burstBelow = Setting("burst-below", env: "FAAS_BURST_BELOW", default: "0.005", kind: .number(0...60),
                                           help: "a function whose recent calls took under this many seconds on average may use workers beyond its default share, and queue up to three calls behind each of its running ones, while no other function's call waits; 0: never")
    public static let functionConcurrency = Setting("function-concurrency", env: "FAAS_FUNCTION_CONCURRENCY", default: "0", kind: .integer(0...256),
                                                    help: "workers one function may use at once unless it was deployed with its own; 0: half the pool (never all of it)")

    // Workers (the server reads them and hands them to each worker as flags)
    public static let wasmLibrary = Setting("wasm-library", env: "FAAS_WASM_LIBRARY", default: "",
                                            help: "wasm C API library (default: libwasmer.so, libwasmtime.so, then ../lib/ beside the executable)")
    public static let wasmPooling = Setting("wasm-pooling", env: "FAAS_WASM_POOLING", default: "on", kind: .choice(["on", "off"]),
                                            help: "wasmtime's pooling allocator for instances (on or off)")
    public static let outputCap = Setting("output-cap", env: "FAAS_OUTPUT_CAP", default: "1048576", kind: .integer(1...largestPayload),
                                          help: "largest output (stdout, stderr) a function may produce, bytes")
    public static let sandbox = Setting("sandbox", env: "FAAS_SANDBOX", default: "bwrap", kind: .choice(["bwrap", "none"]),
                                        help: "bwrap (isolate functions and compilers) or none (rlimits only: runs them as this user, with the network)")
    public static let bwrap = Setting("bwrap", env: "FAAS_BWRAP", default: "/usr/bin/bwrap", help: "the bubblewrap executable")
    public static let runtimeIdle = Setting("runtime-idle", env: "FAAS_RUNTIME_IDLE", default: "120", kind: .number(1...86_400),
                                            help: "seconds a warm JS/Python runtime is kept without calls")
    public static let python = Setting("python", env: "FAAS_PYTHON", default: "",
                                       help: "python3 for Python functions (default: /usr/bin/python3 when sandboxed, else PATH's, resolved)")

    // Internal: one daemon passes them to another
    public static let workerID = Setting("worker-id", env: "", default: "0", kind: .integer(0...1_000_000), help: "this worker's slot number")
    public static let precompile = Setting("precompile", env: "", default: "",
                                           help: "prepare DIR/code.wasm for fast loading, then exit (the gateway, at deploy)")
    public static let entrypoint = Setting("entrypoint", env: "", default: "", help: "with --precompile: the export the function is called through")

    /// What every daemon logs at start when `sandbox` is `none`.
    public static let sandboxOffWarning = "FAAS_SANDBOX=none: functions and compilers run WITHOUT isolation, as this daemon's user (root if it runs as root) with full network and file access; do not run untrusted code"

    /// What the server hands each worker, as it resolved them.
    public static let handedToWorkers = [functionsDir, wasmLibrary, wasmPooling, outputCap, sandbox, bwrap, runtimeIdle, python, logLevel, cpu]
}
