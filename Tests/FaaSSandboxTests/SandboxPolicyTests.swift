import Foundation
import Glibc
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

final class CgroupManagerTests: XCTestCase {
    private let v1Membership = "9:name=systemd:/\n8:pids:/\n4:memory:/process_api/abc\n1:cpu:/\n0::/\n"
    private let mounts = """
        32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
        35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
        39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
        41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate
        """

    func testV1FoldersComeFromOurOwnMembership() {
        let found = CgroupManager.detect(selfCgroup: v1Membership, mountInfo: mounts) { _, controllers in controllers.isEmpty }
        XCTAssertEqual(found.version, .v1(memory: "/sys/fs/cgroup/memory/process_api/abc", pids: "/sys/fs/cgroup/pids", cpu: "/sys/fs/cgroup/cpu"))
    }

    func testADelegatedV2SubtreeWins() {
        let membership = "0::/system.slice/faas-server.service\n"
        let unified = "30 23 0:27 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"
        var asked: [String] = []
        let found = CgroupManager.detect(selfCgroup: membership, mountInfo: unified) { folder, controllers in
            asked.append(folder)
            return controllers == ["memory", "pids"]
        }
        XCTAssertEqual(found.version, .v2(root: "/sys/fs/cgroup/system.slice/faas-server.service"))
        XCTAssertEqual(asked, ["/sys/fs/cgroup/system.slice/faas-server.service"])
    }

    func testDaemonsInALeafUseTheDelegatedParent() {
        let membership = "0::/system.slice/faas-server.service/daemon\n"
        let unified = "30 23 0:27 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"
        let found = CgroupManager.detect(selfCgroup: membership, mountInfo: unified) { folder, _ in
            folder == "/sys/fs/cgroup/system.slice/faas-server.service"
        }
        XCTAssertEqual(found.version, .v2(root: "/sys/fs/cgroup/system.slice/faas-server.service"))
    }

    func testAMountRootInsideTheHierarchyIsTakenOff() {
        let membership = "4:memory:/outer/inner\n8:pids:/outer/inner\n1:cpu:/outer/inner\n"
        let nested = """
            35 31 0:32 /outer /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
            39 31 0:36 /outer /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids
            32 31 0:29 /outer /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu
            """
        let found = CgroupManager.detect(selfCgroup: membership, mountInfo: nested) { _, _ in true }
        XCTAssertEqual(found.version, .v1(memory: "/sys/fs/cgroup/memory/inner", pids: "/sys/fs/cgroup/pids/inner", cpu: "/sys/fs/cgroup/cpu/inner"))
    }

    func testNothingUsableSaysWhy() {
        let found = CgroupManager.detect(selfCgroup: "0::/\n", mountInfo: "41 31 0:38 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n") { _, _ in false }
        XCTAssertNil(found.version)
        XCTAssertTrue(found.why.contains("not delegated"), found.why)
        XCTAssertTrue(found.why.contains("no cgroup v1 memory hierarchy"), found.why)
    }

    func testLimitsAsV2AndV1Files() {
        let limits = CgroupLimits(memoryBytes: 192 << 20, maxProcesses: 64, cpuWeight: 50)
        let v2 = CgroupManager.settings(version: .v2(root: "/r"), directories: ["/r/f"], limits: limits)
        XCTAssertEqual(v2.map { "\($0.0)=\($0.1)" }, ["/r/f/memory.max=\(192 << 20)", "/r/f/memory.swap.max=0", "/r/f/pids.max=64", "/r/f/cpu.weight=50",
                                                          "/r/f/cpu.max=max 100000"])
        let v1 = CgroupManager.settings(version: .v1(memory: "/m", pids: "/p", cpu: "/c"), directories: ["/m/f", "/p/f", "/c/f"], limits: limits)
        let files = Dictionary(uniqueKeysWithValues: v1)
        XCTAssertEqual(files["/m/f/memory.limit_in_bytes"], String(192 << 20))
        XCTAssertEqual(files["/m/f/memory.swappiness"], "0")
        XCTAssertEqual(files["/p/f/pids.max"], "64")
        XCTAssertEqual(files["/c/f/cpu.shares"], "512")
        XCTAssertEqual(files["/c/f/cpu.cfs_quota_us"], "-1", "no quota asked: none set")
    }

    func testCPUQuotaAsV2AndV1Files() {
        let limits = CgroupLimits(memoryBytes: 64 << 20, cpuCores: 0.25)
        let v2 = CgroupManager.settings(version: .v2(root: "/r"), directories: ["/r/f"], limits: limits)
        XCTAssertTrue(v2.contains { $0.0 == "/r/f/cpu.max" && $0.1 == "25000 100000" }, "\(v2)")
        let v1 = CgroupManager.settings(version: .v1(memory: "/m", pids: "/p", cpu: "/c"), directories: ["/m/f", "/p/f", "/c/f"], limits: limits)
        let files = v1.map(\.0)
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: v1)["/c/f/cpu.cfs_quota_us"], "25000")
        XCTAssertLessThan(files.firstIndex(of: "/c/f/cpu.cfs_period_us")!, files.firstIndex(of: "/c/f/cpu.cfs_quota_us")!)
    }

    /// On this host (root, v1 controllers): a real cgroup, joined by the sandbox's launcher,
    /// with its limit in force and removed afterwards.
    func testARealCgroupIsJoinedAndRemoved() throws {
        let manager = try CgroupManager(role: "test")
        defer { manager.removeAll() }
        let cgroup = try manager.create(name: "probe", limits: CgroupLimits(memoryBytes: 64 << 20))
        var policy = SandboxPolicy(mode: .none, addressSpaceMiB: 512, cpuSeconds: 5)
        policy.cgroup = cgroup
        let command = try policy.command(program: ["/bin/cat", "/proc/self/cgroup"], environment: [:])
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command.executable)
        process.arguments = command.arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let tail = "/faas-test-\(getpid())/probe"
        XCTAssertTrue(output.split(separator: "\n").contains { $0.hasSuffix(tail) }, output)
        XCTAssertEqual(cgroup.oomKills(), 0)
        cgroup.remove()
        XCTAssertFalse(FileManager.default.fileExists(atPath: cgroup.directories[0]))
    }

    func testTheSeccompFilterExportsAndBubblewrapLoadsIt() throws {
        let path = NSTemporaryDirectory() + "faas-seccomp-\(getpid()).bpf"
        defer { unlink(path) }
        try SeccompFilter.export(to: path)
        let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        XCTAssertEqual(size % 8, 0, "whole BPF instructions")
        XCTAssertGreaterThan(size, 8 * 40)
        var policy = SandboxPolicy(uid: nil, addressSpaceMiB: 512, cpuSeconds: 5, directories: [])
        policy.seccompFile = path
        policy.tmpfsSizeMiB = 8
        let command = try policy.command(program: ["/usr/bin/unshare", "-U", "/bin/true"], environment: [:])
        XCTAssertTrue(command.arguments.contains("--seccomp"), "\(command)")
        XCTAssertTrue(command.arguments.joined(separator: " ").contains("--size \(8 << 20) --tmpfs /tmp"), "\(command)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command.executable)
        process.arguments = command.arguments
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        XCTAssertNotEqual(process.terminationStatus, 0, "unshare(CLONE_NEWUSER) is refused inside the sandbox")
    }
}
