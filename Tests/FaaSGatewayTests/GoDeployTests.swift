import FaaSSandbox
@testable import FaaSStore
import XCTest

@testable import FaaSGateway

/// How a Go deploy is decided (command or handler, from the source) and built (`GoBuild`).
final class GoDeployTests: XCTestCase {
    private let command = Array("// A command.\npackage main\n\nfunc main() {}\n".utf8)
    private let handler = Array("""
        package function

        import "net/http"

        func Handle(w http.ResponseWriter, r *http.Request) {}
        """.utf8)

    private func plan(_ source: [UInt8], _ requested: FunctionMode? = nil) -> Result<DeployPlan, Deployer.Failure> {
        DeployPlan.decide(language: .go, requested: requested, entrypoint: nil, source: source)
    }

    func testTheFormComesFromTheSource() throws {
        XCTAssertEqual(try plan(command).get(), DeployPlan(mode: .command, entrypoint: "main"))
        XCTAssertEqual(try plan(handler).get(), DeployPlan(mode: .handler, entrypoint: "handler"))
        XCTAssertEqual(try plan(handler, .handler).get().mode, .handler)
    }

    func testSourcesThatAreNeitherAreRefused() {
        let library = Array("package util\n\nfunc Twice(n int) int { return 2 * n }\n".utf8)
        guard case .failure(let failure) = plan(library) else { return XCTFail("a library is neither form") }
        XCTAssertEqual(failure.status, .unprocessableContent)
        XCTAssertTrue(failure.message.contains("package main"), failure.message)
        // Handle only in a comment, or in package main, is no handler.
        let commented = Array("package function\n\n// func Handle(w http.ResponseWriter, r *http.Request)\n".utf8)
        XCTAssertFalse(HandlerDetection.definesHandler(commented, .go))
        XCTAssertFalse(HandlerDetection.definesHandler(Array("package main\n\nfunc Handle() {}\nfunc main() {}\n".utf8), .go))
        guard case .failure(let forced) = plan(command, .handler) else { return XCTFail("a command has no Handle") }
        XCTAssertEqual(forced.status, .unprocessableContent)
        guard case .failure(let asCommand) = plan(handler, .command) else { return XCTFail("package function is no command") }
        XCTAssertEqual(asCommand.status, .unprocessableContent)
        guard case .failure(let export) = plan(command, .export) else { return XCTFail("go has no exports") }
        XCTAssertEqual(export.status, .badRequest)
    }

    func testBuildLayoutAndEnvironment() {
        let slot = "/tmp/faas-gateway-1/slot-0"
        let build = GoBuild(workspace: slot, mode: .handler, sandbox: .bwrap)
        XCTAssertEqual(build.files(source: handler).map { $0.path }, ["go.mod", "main.go", "function/handler.go"])
        XCTAssertEqual(build.files(source: handler).last?.contents, handler)
        XCTAssertEqual(build.files(source: handler)[1].contents, PackageResources.main_go, "the shim is the main package")
        let commandBuild = GoBuild(workspace: slot, mode: .command, sandbox: .bwrap)
        XCTAssertEqual(commandBuild.files(source: command).map { $0.path }, ["go.mod", "main.go"])
        // No network, no cgo, nothing outside the compile slot's own folder, which the sandbox mounts at /build.
        let environment = build.environment
        XCTAssertEqual(environment["GOPROXY"], "off")
        XCTAssertEqual(environment["CGO_ENABLED"], "0")
        XCTAssertEqual(environment["GOCACHE"], "/build/build/.cache")
        XCTAssertEqual(build.arguments(go: "/usr/bin/go"), ["/usr/bin/go", "build", "-o", "/build/code", "-ldflags=-s -w", "."])
        XCTAssertEqual(build.binaryPath, slot + "/code")
        // Unsandboxed (FAAS_SANDBOX=none), the build runs in the staging folder, where it is.
        XCTAssertEqual(GoBuild(workspace: "/f/.staging/X", mode: .command, sandbox: .none).environment["GOCACHE"], "/f/.staging/X/build/.cache")
    }
}
