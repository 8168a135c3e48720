// swift-tools-version:6.0
import PackageDescription

// Mini FaaS: four daemons built from one package around the FaaSCore library.
// No third-party Swift packages: Foundation, Glibc and the toolchain only.
let package = Package(
    name: "MiniFaaS",
    products: [
        .executable(name: "faas-gateway", targets: ["faas-gateway"]),
        .executable(name: "faas-server", targets: ["faas-server"]),
        .executable(name: "faas-load-balancer", targets: ["faas-load-balancer"]),
        .executable(name: "faas-worker", targets: ["faas-worker"]),
        .library(name: "FaaSCore", targets: ["FaaSCore"]),
    ],
    targets: [
        .target(name: "CFaaSSystem"),
        .target(name: "FaaSCore", dependencies: ["CFaaSSystem"]),
        .target(name: "FaaSGateway", dependencies: ["FaaSCore"]),
        .target(name: "FaaSServer", dependencies: ["FaaSCore"]),
        .target(name: "FaaSLoadBalancer", dependencies: ["FaaSCore"]),
        .target(name: "FaaSWorker", dependencies: ["FaaSCore"]),
        .executableTarget(name: "faas-gateway", dependencies: ["FaaSGateway"]),
        .executableTarget(name: "faas-server", dependencies: ["FaaSServer"]),
        .executableTarget(name: "faas-load-balancer", dependencies: ["FaaSLoadBalancer"]),
        .executableTarget(name: "faas-worker", dependencies: ["FaaSWorker"]),
        .testTarget(name: "FaaSCoreTests", dependencies: ["FaaSCore", "FaaSLoadBalancer"]),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["FaaSCore", "faas-gateway", "faas-server", "faas-load-balancer", "faas-worker"]
        ),
    ]
)
