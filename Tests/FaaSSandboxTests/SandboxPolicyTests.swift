import XCTest

@testable import FaaSSandbox

final class SandboxPolicyTests: XCTestCase {
    func testFunctionPolicyDropsTheUserLimitsAndIsolates() throws {
        let policy = SandboxPolicy(uid: 100_123, addressSpaceMiB: 256, cpuSeconds: 7, readOnlyBinds: [("/host/fn", "/fn")])
        let command = try policy.command(program: ["/usr/bin/python3", "-I"], environment: ["B": "2", "A": "1"])
        XCTAssertEqual(command.executable, "/usr/bin/setpriv")
        let line = command.arguments.joined(separator: " ")
        XCTAssertTrue(line.hasPrefix("--reuid=100123 --regid=100123 --clear-groups --inh-caps=-all -- /usr/bin/prlimit --as=268435456 --cpu=7 --nproc=64"), line)
        XCTAssertTrue(line.contains("-- /usr/bin/bwrap --unshare-all --die-with-parent"), line)
        XCTAssertTrue(line.contains("--ro-bind /host/fn /fn"), line)
        XCTAssertTrue(line.hasSuffix("--clearenv --setenv A 1 --setenv B 2 -- /usr/bin/python3 -I"), line)
        XCTAssertFalse(line.contains("--pdeathsig"), line)
    }

    func testCompilerPolicyDiesWithTheGatewayAndSeesOnlyItsStaging() throws {
        let policy = SandboxPolicy.compiler(mode: .bwrap, tools: SandboxTools(), toolchain: ["/usr/bin/rustc"], sysroot: "/f/.sysroot",
                                            staging: "/f/.staging/x", timeout: 10)
        let command = try policy.command(program: ["/usr/bin/rustc", "code.rs"], environment: ["PATH": "/usr/bin:/bin"])
        XCTAssertEqual(command.executable, "/usr/bin/setpriv")
        let line = command.arguments.joined(separator: " ")
        XCTAssertTrue(line.hasPrefix("--pdeathsig KILL -- /usr/bin/prlimit --as=\(4096 << 20) --cpu=15 --fsize="), line)
        XCTAssertFalse(line.contains("--reuid"), "compilers run as the gateway's user: \(line)")
        XCTAssertTrue(line.contains("--ro-bind /f/.sysroot /f/.sysroot --bind /f/.staging/x /f/.staging/x --chdir /f/.staging/x"), line)
    }

    func testMissingBubblewrapIsAnErrorNamingIt() {
        let tools = SandboxTools(bwrap: "/nonexistent/bwrap")
        for policy in [SandboxPolicy(tools: tools, uid: 100_000, addressSpaceMiB: 64, cpuSeconds: 1),
                       SandboxPolicy.compiler(mode: .bwrap, tools: tools, toolchain: [], sysroot: "/s", staging: "/t", timeout: 1)] {
            XCTAssertThrowsError(try policy.command(program: ["/bin/true"], environment: [:])) { error in
                XCTAssertEqual(error as? SandboxError, .missingTool(name: "bubblewrap", path: "/nonexistent/bwrap"))
                XCTAssertTrue("\(error)".contains("/nonexistent/bwrap"))
            }
        }
        XCTAssertThrowsError(try SandboxTools(setpriv: "/nonexistent/setpriv").dieWithParent(["/bin/true"])) { error in
            XCTAssertEqual(error as? SandboxError, .missingTool(name: "setpriv", path: "/nonexistent/setpriv"))
        }
    }

    func testNoneKeepsTheLimitsOnlyAndNeedsNoBubblewrap() throws {
        let policy = SandboxPolicy(mode: .none, tools: SandboxTools(bwrap: "/nonexistent/bwrap"), uid: 100_000, addressSpaceMiB: 64, cpuSeconds: 3)
        let command = try policy.command(program: ["/usr/bin/node", "x.js"], environment: ["PATH": "/usr/bin"])
        XCTAssertEqual(command.executable, "/usr/bin/prlimit")
        XCTAssertEqual(command.arguments, ["--as=\(64 << 20)", "--cpu=3", "--nofile=256", "--fsize=\(64 << 20)", "--core=0", "--",
                                           "/usr/bin/env", "-i", "PATH=/usr/bin", "/usr/bin/node", "x.js"])
    }
}
