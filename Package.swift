// swift-tools-version:6.0
import PackageDescription

// Mini FaaS: four daemons built from one package. The library targets are layered as the
// daemon diagram: FaaSSystem (syscalls, event loop, child processes, settings, logging) at
// the bottom; FaaSProtocol (JSON-lines wire messages), FaaSHTTP (the gateway's HTTP/1.1),
// FaaSStore (the function store), FaaSSandbox (bubblewrap/rlimit policy) and FaaSWasm (the
// wasm C API engine, WASI host and toolchain) above it; one library per daemon role on top.
// No third-party Swift packages: Foundation, Glibc and the toolchain only.
let package = Package(
    name: "MiniFaaS",
    products: [
        .executable(name: "faas-gateway", targets: ["faas-gateway"]),
        .executable(name: "faas-server", targets: ["faas-server"]),
        .executable(name: "faas-load-balancer", targets: ["faas-load-balancer"]),
        .executable(name: "faas-worker", targets: ["faas-worker"]),
    ],
    targets: [
        .target(name: "CFaaSSystem"),
        // Debian's libcrypto (libssl-dev): the gateway's hashes, HMAC and signature checks.
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // Debian's libsqlite3 (libsqlite3-dev): the gateway's invocation store.
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .target(name: "FaaSSystem", dependencies: ["CFaaSSystem"]),
        .target(name: "FaaSProtocol", dependencies: ["FaaSSystem"]),
        .target(name: "FaaSHTTP", dependencies: ["FaaSSystem"]),
        // Debian's zlib (zlib1g-dev): inflating deploy bundles (zip's deflate, gzip).
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "FaaSStore", dependencies: ["FaaSSystem", "CZlib"]),
        // Debian's libseccomp (libseccomp-dev): the sandbox's syscall filter, exported as BPF.
        .systemLibrary(name: "CSeccomp", pkgConfig: "libseccomp", providers: [.apt(["libseccomp-dev"])]),
        .target(name: "FaaSSandbox", dependencies: ["FaaSSystem", "CSeccomp"]),
        .target(name: "FaaSWasm", dependencies: ["FaaSSystem", "FaaSStore", "FaaSSandbox"]),
        .target(
            name: "FaaSGateway",
            dependencies: ["CCrypto", "CSQLite", "FaaSSystem", "FaaSProtocol", "FaaSHTTP", "FaaSStore", "FaaSSandbox", "FaaSWasm"],
            // The web console and the Go handler runtime (built into each Go handler at deploy;
            // its own test runs in scripts/test).
            exclude: ["UI/README.md", "GoRuntime/main_test.go", "GoRuntime/testdata"],
            resources: [
                .embedInCode("UI/index.html"), .embedInCode("UI/console.css"), .embedInCode("UI/favicon.svg"),
                .embedInCode("UI/app.js"), .embedInCode("UI/api.js"), .embedInCode("UI/dom.js"),
                .embedInCode("UI/highlight.js"), .embedInCode("UI/metrics.js"), .embedInCode("UI/charts.js"),
                .embedInCode("UI/functions.js"), .embedInCode("UI/function.js"), .embedInCode("UI/deploy.js"),
                .embedInCode("UI/overview.js"), .embedInCode("UI/invocations.js"),
                .embedInCode("UI/versions.js"), .embedInCode("UI/logs.js"), .embedInCode("GoRuntime/main.go"),
            ]
        ),
        .target(name: "FaaSServer", dependencies: ["FaaSSystem", "FaaSProtocol"]),
        .target(name: "FaaSLoadBalancer", dependencies: ["FaaSSystem", "FaaSProtocol"]),
        // The JS and Python runtimes are real files (with their own tests beside them), compiled
        // into faas-worker so that nothing has to be installed beside the executables.
        .target(
            name: "FaaSWorker",
            dependencies: ["FaaSSystem", "FaaSProtocol", "FaaSStore", "FaaSSandbox", "FaaSWasm"],
            exclude: ["Runtime/README.md", "Runtime/test_runtime.py", "Runtime/runtime.test.js"],
            resources: [.embedInCode("Runtime/runtime.py"), .embedInCode("Runtime/runtime.js")]
        ),
        .executableTarget(name: "faas-gateway", dependencies: ["FaaSGateway"]),
        .executableTarget(name: "faas-server", dependencies: ["FaaSServer"]),
        .executableTarget(name: "faas-load-balancer", dependencies: ["FaaSLoadBalancer"]),
        .executableTarget(name: "faas-worker", dependencies: ["FaaSWorker"]),
        .testTarget(name: "FaaSSystemTests", dependencies: ["FaaSSystem"]),
        .testTarget(name: "FaaSProtocolTests", dependencies: ["FaaSProtocol"]),
        .testTarget(name: "FaaSHTTPTests", dependencies: ["FaaSHTTP"]),
        .testTarget(name: "FaaSStoreTests", dependencies: ["FaaSStore"]),
        .testTarget(name: "FaaSSandboxTests", dependencies: ["FaaSSandbox"]),
        .testTarget(name: "FaaSWasmTests", dependencies: ["FaaSWasm", "FaaSStore"]),
        .testTarget(name: "FaaSLoadBalancerTests", dependencies: ["FaaSLoadBalancer"]),
        .testTarget(name: "FaaSWorkerTests", dependencies: ["FaaSWorker"]),
        .testTarget(name: "FaaSGatewayTests", dependencies: ["FaaSGateway", "FaaSHTTP", "FaaSSystem"]),
        .testTarget(name: "FaaSServerTests", dependencies: ["FaaSServer"]),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["FaaSSystem", "CSQLite", "faas-gateway", "faas-server", "faas-load-balancer", "faas-worker"]
        ),
    ]
)
