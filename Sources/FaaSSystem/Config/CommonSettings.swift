/// The settings shared by several daemons, so every daemon spells them the same way.
public enum CommonSettings {
    public static let port = Setting("port", env: "FAAS_PORT", default: "8080", help: "gateway TCP port")
    public static let host = Setting("host", env: "FAAS_HOST", default: "0.0.0.0", help: "gateway listen address")
    public static let lbSocket = Setting("lb-sock", env: "FAAS_LB_SOCK", default: "/tmp/faas_lb.sock", help: "load balancer UNIX socket")
    public static let serverSocket = Setting("server-sock", env: "FAAS_SERVER_SOCK", default: "/tmp/faas_server.sock", help: "server UNIX socket")
    public static let functionsDir = Setting("functions-dir", env: "FAAS_FUNCTIONS_DIR", default: "./functions", help: "where deployed functions are stored")
    public static let workers = Setting("workers", env: "FAAS_WORKERS", default: "4", help: "number of pre-forked workers")
    public static let strategy = Setting("strategy", env: "FAAS_LB_STRATEGY", default: "rr", help: "worker choice: rr, fifo or weighted")
    public static let workerPath = Setting("worker-path", env: "FAAS_WORKER_PATH", default: "", help: "faas-worker executable (default: beside faas-server)")
    public static let wasmLibrary = Setting("wasm-library", env: "FAAS_WASM_LIBRARY", default: "", help: "wasm C API library (default: libwasmer.so, then libwasmtime.so)")
    public static let logLevel = Setting("log-level", env: "FAAS_LOG_LEVEL", default: "info", help: "debug, info, warn or error")
    public static let queueSize = Setting("queue-size", env: "FAAS_QUEUE_SIZE", default: "1024", help: "invokes the load balancer queues while every worker is busy")
    public static let timeout = Setting("timeout", env: "FAAS_TIMEOUT", default: "10", help: "default time limit per invocation, seconds")
    public static let maxTimeout = Setting("max-timeout", env: "FAAS_MAX_TIMEOUT", default: "300", help: "largest time limit a function may ask for, seconds")
    public static let memory = Setting("memory", env: "FAAS_MEMORY", default: "128", help: "default memory limit per invocation, MiB")
    public static let maxBody = Setting("max-body", env: "FAAS_MAX_BODY", default: "8388608", help: "largest request body (source or payload), bytes")
}
