import Foundation
import Glibc
import XCTest

// Issue 10's attacks, replayed against the real daemons: memory per function (the cgroup
// counts /tmp and forked children), a sealed sandbox (seccomp, a zygote that cannot be
// traced) and nothing left between script calls. Each must fail cleanly: the right status,
// the host unaffected (the function's cgroup never went past its limit), nothing left behind.
final class FaultIsolationTests: SuiteTestCase {
    override class var suiteOptions: FaaSSuite.Options {
        var options = FaaSSuite.Options()
        options.workers = 1
        return options
    }

    private func assertFailure(_ response: HTTPResult, status: Int, mentions fragments: [String], _ label: String,
                               file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(response.status, status, "\(label): \(response)", file: file, line: line)
        let object = try? response.json()
        XCTAssertEqual(object?["ok"] as? Bool, false, "\(label): \(response)", file: file, line: line)
        let error = (object?["error"] as? String ?? "") + (object?["details"] as? String ?? "")
        XCTAssertTrue(fragments.contains { error.localizedCaseInsensitiveContains($0) },
                      "\(label): the error should mention one of \(fragments): \(response)", file: file, line: line)
    }

    /// The memory cgroup folder of `function` (v1: the worker's own memory cgroup, then
    /// faas-worker-<pid>/fn-<id>).
    private func memoryCgroup(of function: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let suite = try suite
        for worker in suite.workerPIDs() {
            let membership = try String(contentsOfFile: "/proc/\(worker)/cgroup", encoding: .utf8)
            guard let own = membership.split(separator: "\n").first(where: { $0.split(separator: ":")[1] == "memory" })?
                .split(separator: ":", maxSplits: 2).last else { continue }
            let base = "/sys/fs/cgroup/memory" + (own == "/" ? "" : String(own))
            let folder = "\(base)/faas-worker-\(worker)/fn-\(function.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" }.reduce("") { $0 + String($1) })"
            if FileManager.default.fileExists(atPath: folder) { return folder }
        }
        XCTFail("no memory cgroup for \(function)", file: file, line: line)
        return "/nonexistent"
    }

    private func number(_ path: String) -> Int {
        Int(((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    /// The cgroup stayed within `limitMiB` over the whole call: the host paid no more.
    private func assertBounded(_ function: String, limitMiB: Int, _ label: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let folder = try memoryCgroup(of: function, file: file, line: line)
        XCTAssertEqual(number("\(folder)/memory.limit_in_bytes"), limitMiB << 20, "\(label): the cgroup's limit", file: file, line: line)
        let peak = number("\(folder)/memory.max_usage_in_bytes")
        XCTAssertGreaterThan(peak, 0, "\(label): the cgroup was used", file: file, line: line)
        XCTAssertLessThanOrEqual(peak, limitMiB << 20, "\(label): peak \(peak >> 20) MiB within the limit", file: file, line: line)
    }

    /// Nothing of `function` runs any more but its warm runtime's own processes: no `marker`
    /// process (by /proc comm) whose parent is one too (the calls the zygote forked, and theirs).
    private func assertNoStrays(_ function: String, marker: String, _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        func command(_ pid: Int32) -> String {
            ((try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        }
        func parent(_ pid: Int32) -> Int32 {
            let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
            return stat.split(separator: ")").last.flatMap { Int32($0.split(separator: " ")[1]) } ?? 0
        }
        var strays: [Int32] = []
        for _ in 0..<40 {
            strays = ProcFS.processes(withEnvironment: "FAAS_FUNCTION_ID=\(function)").filter {
                command($0) == marker && command(parent($0)) == marker
            }
            if strays.isEmpty { break }
            usleep(50_000)
        }
        XCTAssertEqual(strays, [], "\(label): no process of the call is left", file: file, line: line)
    }

    func testPythonWritingTwoGiBToTmpWithMemory32Fails() throws {
        let suite = try suite
        let id = try suite.deployOK(uniqueName("tmpfill"), "python", source: """
            import os
            block = b"x" * (1 << 20)
            with open("/tmp/fill", "wb") as f:
                for i in range(2048):
                    f.write(block)
            print("wrote 2 GiB")
            """, query: "&memory=32")
        for round in 0..<2 {
            let response = try suite.invoke(id, "", timeout: 60)
            assertFailure(response, status: 500, mentions: ["no space left", "memory limit"], "2 GiB into /tmp, call \(round)")
            XCTAssertFalse(response.text.contains("wrote 2 GiB"), "\(response)")
        }
        // /tmp holds at most the memory limit and the cgroup (tmpfs counted) never went past it.
        try assertBounded(id, limitMiB: 32 + 64, "2 GiB into /tmp")
        // tmpfs pages are "shmem" in memory.stat: the emptied /tmp gave them back.
        // (The runtime empties /tmp right after it answers: wait for it.)
        let folder = try memoryCgroup(of: id)
        var stat = "", shmem = -1
        for _ in 0..<40 {
            stat = (try? String(contentsOfFile: "\(folder)/memory.stat", encoding: .utf8)) ?? ""
            shmem = stat.split(separator: "\n").first { $0.hasPrefix("shmem ") }.flatMap { Int($0.split(separator: " ")[1]) } ?? -1
            if shmem >= 0 && shmem < 1 << 20 { break }
            usleep(50_000)
        }
        XCTAssertGreaterThanOrEqual(shmem, 0, stat)
        XCTAssertLessThan(shmem, 1 << 20, "the failed calls' /tmp pages were given back: \(shmem) bytes of tmpfs left")
    }

    func testPythonForkingTwentyChildrenOf100MiBWithMemory128Fails() throws {
        let suite = try suite
        let id = try suite.deployOK(uniqueName("forkmem"), "python", source: """
            import os, time
            children = []
            for i in range(20):
                pid = os.fork()
                if pid == 0:
                    block = bytearray(100 << 20)
                    for j in range(0, len(block), 4096):
                        block[j] = 1
                    time.sleep(3)
                    os._exit(0)
                children.append(pid)
            for pid in children:
                os.waitpid(pid, 0)
            print("20 children of 100 MiB")
            """, query: "&memory=128&timeout=30")
        let response = try suite.invoke(id, "", timeout: 60)
        assertFailure(response, status: 500, mentions: ["memory limit of 128 MiB"], "20 children of 100 MiB")
        try assertBounded(id, limitMiB: 128 + 64, "20 children of 100 MiB")
        assertNoStrays(id, marker: "python3", "forked children")
        XCTAssertEqual(try suite.invokeText(try suite.deployOK(uniqueName("after-fork"), "python", source: "print('fine')\n"), ""), "fine\n")
    }

    func testJavaScriptBufferAllocLoopWithMemory64Fails() throws {
        let suite = try suite
        let id = try suite.deployOK(uniqueName("bufloop"), "js", source: """
            const kept = [];
            for (let i = 0; i < 12; i++) kept.push(Buffer.alloc(256 << 20, 1));
            console.log("allocated", kept.length * 256, "MiB");
            """, query: "&memory=64")
        let response = try suite.invoke(id, "", timeout: 60)
        assertFailure(response, status: 500, mentions: ["memory limit of 64 MiB"], "Buffer.alloc loop")
        XCTAssertFalse(response.text.contains("allocated"), "\(response)")
        try assertBounded(id, limitMiB: 64 + 128, "Buffer.alloc loop")
        // The function works again (a fresh runtime in a fresh cgroup).
        let small = try suite.deployOK(uniqueName("bufsmall"), "js", source: "console.log(Buffer.alloc(1 << 20).length);\n", query: "&memory=64")
        XCTAssertEqual(try suite.invokeText(small, ""), "1048576\n")
    }

    func testAScriptCannotTraceTheWarmInterpreter() throws {
        let suite = try suite
        // gdb's first step: PTRACE_ATTACH to the zygote that forks every call.
        let id = try suite.deployOK(uniqueName("ptrace"), "python", source: """
            import ctypes, os
            libc = ctypes.CDLL(None, use_errno=True)
            result = libc.ptrace(16, os.getppid(), None, None)  # PTRACE_ATTACH
            print("attach", result, os.strerror(ctypes.get_errno()))
            try:
                open("/proc/%d/mem" % os.getppid(), "rb").read(1)
                print("mem readable")
            except OSError as e:
                print("mem", e.strerror)
            """, query: "&memory=1024")
        let text = try suite.invokeText(id, "")
        XCTAssertTrue(text.contains("attach -1 Operation not permitted"), text)
        XCTAssertFalse(text.contains("mem readable"), text)
    }

    func testSandboxRefusesNamespacesAndKernelInterfaces() throws {
        let suite = try suite
        let id = try suite.deployOK(uniqueName("seccomp"), "python", source: """
            import ctypes, os
            libc = ctypes.CDLL(None, use_errno=True)
            for name, call in [("unshare", lambda: libc.unshare(0x10000000)),
                               ("keyctl", lambda: libc.syscall(250, 0, 0, 0, 0)),
                               ("bpf", lambda: libc.syscall(321, 0, 0, 0)),
                               ("perf_event_open", lambda: libc.syscall(298, 0, 0, -1, -1, 0)),
                               ("userfaultfd", lambda: libc.syscall(323, 0))]:
                print(name, call(), os.strerror(ctypes.get_errno()))
            """)
        let text = try suite.invokeText(id, "")
        for name in ["unshare", "keyctl", "bpf", "perf_event_open", "userfaultfd"] {
            XCTAssertTrue(text.contains("\(name) -1 Operation not permitted"), "\(name): \(text)")
        }
    }

    func testATmpFileOfOneScriptCallIsNotSeenByTheNext() throws {
        let suite = try suite
        let id = try suite.deployOK(uniqueName("tmpleak"), "python", source: """
            import os, sys
            secret = sys.stdin.read()
            print("before:", sorted(os.listdir("/tmp")))
            os.makedirs("/tmp/nested/deeper", exist_ok=True)
            with open("/tmp/nested/deeper/payload", "w") as f:
                f.write(secret)
            os.chmod("/tmp/nested", 0o500)
            """)
        XCTAssertEqual(try suite.invokeText(id, "first caller's secret"), "before: []\n")
        XCTAssertEqual(try suite.invokeText(id, "second"), "before: []\n")
        let js = try suite.deployOK(uniqueName("tmpleak-js"), "js", source: """
            const fs = require("fs");
            console.log("before:", JSON.stringify(fs.readdirSync("/tmp")));
            fs.mkdirSync("/tmp/nested", { recursive: true });
            fs.writeFileSync("/tmp/nested/payload", fs.readFileSync(0));
            """)
        XCTAssertEqual(try suite.invokeText(js, "first caller's secret"), "before: []\n")
        XCTAssertEqual(try suite.invokeText(js, "second"), "before: []\n")
    }

    func testA117ByteCFileMakingA250MiBModuleIsRefusedByTheModuleLimit() throws {
        let suite = try suite
        let source = "char big[250 << 20] = {1};\nint main(void) { return big[0] - 1; }\n"
        let name = uniqueName("bigmodule")
        let response = try suite.deploy(name, "c", source: source)
        XCTAssertEqual(response.status, 422, "\(response)")
        XCTAssertTrue(response.text.contains("FAAS_MAX_MODULE"), "\(response)")
        // Nothing persisted: no function, no staging left behind.
        XCTAssertEqual(try suite.invoke(name, "").status, 404)
        let staging = suite.functionsDirectory + "/.staging"
        XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: staging)) ?? [], [], "the staging folder is emptied")
        XCTAssertLessThan(StorageProbe.bytes(under: suite.functionsDirectory), 64 << 20, "no 250 MiB module on disk")
    }
}

extension FaultIsolationTests {
    /// The compiler's own /proc/self/status, read at compile time (Rust's include_str!) into
    /// the module: rustc runs as the compile slot's unprivileged user under the seccomp filter.
    func testTheCompilerRunsUnprivilegedAndFiltered() throws {
        let suite = try suite
        let id = try suite.deployOK(uniqueName("whoami"), "rust", source: """
            fn main() { print!("{}", include_str!("/proc/self/status")); }
            """)
        let status = try suite.invokeText(id, "")
        let line = { (key: String) in status.split(separator: "\n").first { $0.hasPrefix(key + ":") }.map(String.init) ?? "" }
        XCTAssertTrue(line("Uid").contains("70000000"), "the compile slot's uid: \(line("Uid"))")
        XCTAssertEqual(line("Seccomp"), "Seccomp:\t2", "a seccomp filter is loaded")
        XCTAssertTrue(line("CapEff").hasSuffix("0000000000000000"), "no capabilities: \(line("CapEff"))")
    }

    /// A functions folder inside a private (0700) folder: the compile user cannot search it, so
    /// the sysroot and staging folder reach the sandbox by descriptor.
    func testCompilesWorkUnderAPrivateParentFolder() throws {
        let suite = try suite
        let parent = (suite.functionsDirectory as NSString).deletingLastPathComponent
        XCTAssertEqual(chmod(parent, 0o700), 0)
        defer { chmod(parent, 0o755) }
        let id = try suite.deployOK(uniqueName("private"), "c", source: "#include <stdio.h>\nint main(void) { puts(\"compiled\"); return 0; }\n")
        XCTAssertEqual(try suite.invokeText(id, ""), "compiled\n")
    }
}

extension FaultIsolationTests {
    /// The cpu cgroup folder of `function` (v1: beside its memory cgroup, in the cpu hierarchy).
    private func cpuCgroup(of function: String) throws -> String {
        let memory = try memoryCgroup(of: function)
        let suite = try suite
        for worker in suite.workerPIDs() where memory.contains("/faas-worker-\(worker)/") {
            let membership = try String(contentsOfFile: "/proc/\(worker)/cgroup", encoding: .utf8)
            guard let own = membership.split(separator: "\n").first(where: { $0.split(separator: ":")[1].split(separator: ",").contains("cpu") })?
                .split(separator: ":", maxSplits: 2).last else { continue }
            return "/sys/fs/cgroup/cpu" + (own == "/" ? "" : String(own)) + "/faas-worker-\(worker)/" + (memory as NSString).lastPathComponent
        }
        XCTFail("no cpu cgroup for \(function)")
        return "/nonexistent"
    }

    /// A CPU hog deployed with `&cpu=0.25` gets about a quarter of one CPU: its cgroup has the
    /// quota, the kernel accounted it against it, and the call's own CPU time is well below its wall time.
    func testACPUHogWithCPUAQuarterGetsAboutAQuarterOfACPU() throws {
        let suite = try suite
        let id = try suite.deployOK(uniqueName("cpuhog"), "python", source: """
            import time
            wall, cpu = time.monotonic(), time.process_time()
            while time.monotonic() - wall < 2:
                pass
            print("%.3f" % ((time.process_time() - cpu) / (time.monotonic() - wall)))
            """, query: "&cpu=0.25&timeout=30")
        let share = Double(try suite.invokeText(id, "").trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        XCTAssertGreaterThan(share, 0, "the call measured its CPU share")
        XCTAssertLessThan(share, 0.45, "a quarter CPU quota: the call got \(share) of a CPU")
        let folder = try cpuCgroup(of: id)
        XCTAssertEqual(number("\(folder)/cpu.cfs_quota_us"), 25_000, "the cgroup's quota")
        XCTAssertEqual(number("\(folder)/cpu.cfs_period_us"), 100_000, "the cgroup's period")
        let stat = (try? String(contentsOfFile: "\(folder)/cpu.stat", encoding: .utf8)) ?? ""
        // Periods with bandwidth control active: the kernel accounted the hog against its quota.
        // (How often it was throttled depends on the machine's load: a busy host gives it less
        // than its quota anyway.)
        let periods = stat.split(separator: "\n").first { $0.hasPrefix("nr_periods ") }.flatMap { Int($0.split(separator: " ")[1]) } ?? 0
        XCTAssertGreaterThan(periods, 5, "the kernel enforced the quota over the hog's run: \(stat)")
        // Without &cpu the documented default holds: one CPU per function runtime.
        let plain = try suite.deployOK(uniqueName("cpudefault"), "python", source: "print('ok')\n")
        XCTAssertEqual(try suite.invokeText(plain, ""), "ok\n")
        XCTAssertEqual(number("\(try cpuCgroup(of: plain))/cpu.cfs_quota_us"), 100_000, "FAAS_CPU's default, 1 CPU")
    }

    /// `&cpu=` outside its range, not a number, or for a function that runs inside the worker
    /// (WebAssembly): 400 naming the range, nothing stored.
    func testABadCPUQuotaIsRefused() throws {
        let suite = try suite
        for (value, language, fragment) in [("0", "python", "cores in 0.01...64"), ("65", "js", "cores in 0.01...64"), ("half", "python", "invalid cpu"),
                                             ("nan", "python", "invalid cpu"), ("0.5", "c", "&cpu applies to js, python and go")] {
            let name = uniqueName("badcpu")
            let source = language == "c" ? "int main(void) { return 0; }\n" : "print(1)\n"
            let response = try suite.deploy(name, language, source: source, query: "&cpu=\(value)")
            XCTAssertEqual(response.status, 400, "cpu=\(value) \(language): \(response)")
            XCTAssertTrue(response.text.contains(fragment), "cpu=\(value) \(language): \(response)")
            XCTAssertEqual(try suite.invoke(name, "").status, 404, "nothing stored for cpu=\(value)")
        }
    }
}

extension FaultIsolationTests {
    /// `go build` and the tools it runs (compile, link), watched in /proc while a deploy builds:
    /// the compile slot's unprivileged user, the seccomp filter, no capabilities, the slot's cgroup.
    func testAGoBuildRunsAsTheCompileSlotsUserFilteredInItsCgroup() throws {
        let suite = try suite
        let name = uniqueName("gowhoami")
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var response: HTTPResult?
        DispatchQueue.global().async {
            response = try? suite.deploy(name, "go", source: "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"built\") }\n")
            done.signal()
        }
        // This suite's gateway's: other suites may build Go at the same time.
        let gateway = suite.gateway?.processIdentifier ?? -1
        func descendsFromGateway(_ pid: Int32) -> Bool {
            var current = pid
            for _ in 0..<16 {
                let stat = (try? String(contentsOfFile: "/proc/\(current)/stat", encoding: .utf8)) ?? ""
                guard let parent = stat.split(separator: ")").last.flatMap({ Int32($0.split(separator: " ")[1]) }), parent > 1 else { return false }
                if parent == gateway { return true }
                current = parent
            }
            return false
        }
        var seen: [Int32: (uid: String, seccomp: String, capabilities: String, cgroup: String)] = [:]
        while done.wait(timeout: .now() + .milliseconds(5)) == .timedOut {
            for pid in ProcFS.processes(withEnvironment: "GOCACHE=/build/build/.cache") where seen[pid] == nil && descendsFromGateway(pid) {
                let command = ((try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
                guard ["go", "compile", "link", "asm"].contains(command),
                      let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
                      let cgroup = try? String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8) else { continue }
                let line = { (key: String) in status.split(separator: "\n").first { $0.hasPrefix(key + ":") }.map(String.init) ?? "" }
                // A process that has just exited (a zombie) is shown in the root cgroup by the
                // kernel: it is looked at again while it still runs, or not at all.
                if line("State").contains("Z") { continue }
                let memory = cgroup.split(separator: "\n").first { $0.split(separator: ":").dropFirst().first == "memory" }.map(String.init) ?? ""
                seen[pid] = (line("Uid"), line("Seccomp"), line("CapEff"), memory)
            }
        }
        XCTAssertEqual(response?.status, 201, "\(String(describing: response))")
        XCTAssertEqual(try suite.invokeText(name, ""), "built\n")
        XCTAssertFalse(seen.isEmpty, "the build's processes were seen")
        for (pid, process) in seen {
            XCTAssertTrue(process.uid.hasPrefix("Uid:\t7000000"), "\(pid): the compile slot's user, not root: \(process.uid)")
            XCTAssertEqual(process.seccomp, "Seccomp:\t2", "\(pid): the seccomp filter")
            XCTAssertTrue(process.capabilities.hasSuffix("0000000000000000"), "\(pid): no capabilities: \(process.capabilities)")
            XCTAssertTrue(process.cgroup.contains("/compile-"), "\(pid): the compile slot's cgroup: \(process.cgroup)")
        }
    }

    /// An 80 MiB Go executable (one initialized array) is refused by the module limit, as a C
    /// module is: 422, nothing stored, nothing left in staging or the compile slot.
    func testAGoExecutableOverTheModuleLimitIsRefused() throws {
        let suite = try suite
        let name = uniqueName("gobig")
        let response = try suite.deploy(name, "go", source: """
            package main

            import "fmt"

            var big = [80 << 20]byte{1}

            func main() { fmt.Println(big[0]) }
            """, query: "")
        assertFailure(response, status: 422, mentions: ["FAAS_MAX_MODULE"], "80 MiB Go executable")
        XCTAssertEqual(try suite.invoke(name, "").status, 404, "nothing stored")
        let staging = suite.functionsDirectory + "/.staging"
        XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: staging)) ?? [], [], "the staging folder is emptied")
        XCTAssertLessThan(StorageProbe.bytes(under: suite.functionsDirectory), 64 << 20, "no 80 MiB executable on disk")
        let slots = "/tmp/faas-gateway-\(suite.gateway?.processIdentifier ?? 0)"
        let left = ((try? FileManager.default.contentsOfDirectory(atPath: slots)) ?? []).filter { $0.hasPrefix("slot-") }
        XCTAssertEqual(left, [], "the compile slot's folder is removed")
    }
}

/// Disk space under a folder (allocated blocks), as the quota counts it.
enum StorageProbe {
    static func bytes(under root: String) -> Int {
        guard let walker = FileManager.default.enumerator(atPath: root) else { return 0 }
        var total = 0
        var info = stat()
        while let relative = walker.nextObject() as? String {
            if lstat("\(root)/\(relative)", &info) == 0 { total += Int(info.st_blocks) * 512 }
        }
        return total
    }
}

/// A functions folder with a 1 MiB quota: the deploy that would go past it is refused with 507
/// and leaves nothing behind; the functions already there still run.
final class FaultStorageQuotaTests: SuiteTestCase {
    override class var suiteOptions: FaaSSuite.Options {
        var options = FaaSSuite.Options()
        options.workers = 1
        options.environment = ["FAAS_MAX_STORAGE": "1"]
        return options
    }

    func testADeployBeyondTheStorageQuotaIs507() throws {
        let suite = try suite
        let padding = "# " + String(repeating: "x", count: 600 * 1024) + "\nprint('kept')\n"
        let first = try suite.deployOK(uniqueName("quota-a"), "python", source: padding)
        let second = uniqueName("quota-b")
        let response = try suite.deploy(second, "python", source: padding)
        XCTAssertEqual(response.status, 507, "\(response)")
        XCTAssertTrue(response.text.contains("FAAS_MAX_STORAGE"), "\(response)")
        XCTAssertEqual(try suite.invoke(second, "").status, 404, "nothing of the refused deploy is stored")
        XCTAssertEqual(try suite.invokeText(first, ""), "kept\n")
        // A Go executable (over 1 MiB on its own) goes past it too.
        let go = uniqueName("quota-go")
        let built = try suite.deploy(go, "go", source: "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(1) }\n")
        XCTAssertEqual(built.status, 507, "\(built)")
        XCTAssertEqual(try suite.invoke(go, "").status, 404, "nothing of the refused Go deploy is stored")
    }
}

/// One compile slot: a deploy whose client leaves mid-compile has its compiler killed, frees
/// the slot for the next deploy at once, and stores nothing.
final class FaultCompileCancelTests: SuiteTestCase {
    override class var suiteOptions: FaaSSuite.Options {
        var options = FaaSSuite.Options()
        options.workers = 1
        options.environment = ["FAAS_COMPILE_JOBS": "1"]
        return options
    }

    /// A 10-million-element table, written as 531 bytes of macros: seconds of clang.
    static let slowSource: String = {
        var lines = ["#define D1(x) " + Array(repeating: "x", count: 10).joined(separator: ",")]
        for level in 2...7 { lines.append("#define D\(level)(x) " + Array(repeating: "D\(level - 1)(x)", count: 10).joined(separator: ",")) }
        return (lines + ["int t[] = { D7(1) };", "int main(void) { return t[0]; }"]).joined(separator: "\n") + "\n"
    }()

    func testAClientLeavingMidCompileKillsTheCompilerAndFreesTheSlot() throws {
        let suite = try suite
        let slow = uniqueName("slowcompile")
        let connection = try HTTPConnection(port: suite.port)
        try connection.sendRequest("POST", "/deploy?name=\(slow)&lang=c", body: Data(Self.slowSource.utf8))
        // The compiler is at work on the slot's copy of the source (this gateway's slot: other
        // suites may compile at the same time).
        let marker = "/tmp/faas-gateway-\(suite.gateway?.processIdentifier ?? 0)/slot-0/code.c"
        var compilers = ProcFS.processes(mentioning: marker)
        for _ in 0..<600 where compilers.isEmpty {
            usleep(20_000)
            compilers = ProcFS.processes(mentioning: marker)
        }
        XCTAssertFalse(compilers.isEmpty, "the slow compile started")
        usleep(300_000)
        connection.close()
        // Gone within two seconds, with everything it started.
        var left = ProcFS.processes(mentioning: marker)
        for _ in 0..<40 where !left.isEmpty {
            usleep(50_000)
            left = ProcFS.processes(mentioning: marker)
        }
        XCTAssertEqual(left, [], "the compiler process tree is killed once its client left")
        // The only slot is free again: the next deploy compiles, and the slow one was never stored.
        let next = try suite.deployOK(uniqueName("afterslow"), "c", source: "#include <stdio.h>\nint main(void) { puts(\"next\"); return 0; }\n")
        XCTAssertEqual(try suite.invokeText(next, ""), "next\n")
        XCTAssertEqual(try suite.invoke(slow, "").status, 404, "nothing of the cancelled deploy is stored")
        let staging = suite.functionsDirectory + "/.staging"
        XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: staging)) ?? [], [], "the staging folder is emptied")
    }
}

/// JS script mode: a call's context cannot reach node's real `process` or global object, and
/// nothing it stores or pollutes survives to the next call.
final class FaultJavaScriptRealmTests: SuiteTestCase {
    override class var suiteOptions: FaaSSuite.Options {
        var options = FaaSSuite.Options()
        options.workers = 1
        return options
    }

    func testTheOuterRealmIsOutOfReachAndNothingSurvivesACall() throws {
        let suite = try suite
        let id = try suite.deployOK(uniqueName("realm"), "js", source: """
            const seen = [];
            try {
              const real = Buffer.constructor("return process")();
              real.counter = (real.counter || 0) + 1;
              seen.push("real process reached, counter " + real.counter);
            } catch (e) { seen.push("constructor: " + e.name); }
            try { seen.push("global: " + typeof Buffer.constructor("return this")().process); } catch (e) { seen.push("global: " + e.name); }
            seen.push("binding: " + typeof process.binding + " " + typeof Object.getPrototypeOf(process).binding);
            seen.push("polluted: " + ({}).polluted + " " + Object.getPrototypeOf(Object.getPrototypeOf(Buffer)).polluted);
            Object.prototype.polluted = "yes";
            try { Object.getPrototypeOf(Object.getPrototypeOf(Buffer)).polluted = "outer"; } catch (e) {}
            console.log(seen.join("; "));
            """)
        let expected = "constructor: EvalError; global: EvalError; binding: undefined undefined; polluted: undefined undefined\n"
        XCTAssertEqual(try suite.invokeText(id, ""), expected)
        XCTAssertEqual(try suite.invokeText(id, ""), expected, "the second call sees nothing of the first")
    }

    /// Node's library objects are the runtime's own: a call that stores a payload on them, or
    /// hooks the runtime's output stream to read later calls' output, leaves nothing behind.
    func testNodesLibraryObjectsCarryNothingToTheNextCall() throws {
        let suite = try suite
        let id = try suite.deployOK(uniqueName("libleak"), "js", source: """
            const input = require("fs").readFileSync(0, "utf8");
            const stores = [atob, require.resolve, require("events").prototype, require("path"), Object.getPrototypeOf(require("fs")),
                            Object.getPrototypeOf(process.stdout)];
            const earlier = stores.map((store) => store.kept).filter(Boolean);
            for (const store of stores) { try { store.kept = input; } catch (e) {} }
            try {
              const write = require("stream").Writable.prototype.write;
              require("stream").Writable.prototype.write = function (chunk, ...rest) { globalThis.captured = chunk; return write.call(this, chunk, ...rest); };
            } catch (e) {}
            console.log("earlier: [" + earlier.join(",") + "] for " + input);
            """)
        XCTAssertEqual(try suite.invokeText(id, "alice-secret"), "earlier: [] for alice-secret\n")
        XCTAssertEqual(try suite.invokeText(id, "bob"), "earlier: [] for bob\n", "nothing of alice's call is seen by bob's")
    }
}

/// A worker without CAP_FOWNER, as under systemd's units (there it has CAP_CHOWN but neither
/// CAP_FOWNER nor CAP_DAC_OVERRIDE; here root keeps CAP_DAC_OVERRIDE, which the cgroup v1
/// hierarchy roots need). Once a function's code copy was handed to one runtime's user, the
/// next runtime of that function (the first was evicted, died or failed to start) must still
/// get it: the worker cannot chmod a folder it no longer owns.
final class FaultRuntimeRestartWithoutFOwnerTests: SuiteTestCase {
    override class var suiteOptions: FaaSSuite.Options {
        var options = FaaSSuite.Options()
        options.workers = 1
        let wrapper = NSTemporaryDirectory() + "faas-worker-without-fowner-\(getpid()).sh"
        let worker = ((try? FaaSSuite.productsDirectory()) ?? URL(fileURLWithPath: "/nonexistent")).appendingPathComponent("faas-worker").path
        let script = "#!/bin/sh\nexec /usr/bin/setpriv --bounding-set=-fowner -- '\(worker)' \"$@\"\n"
        FileManager.default.createFile(atPath: wrapper, contents: Data(script.utf8), attributes: [.posixPermissions: 0o755])
        options.environment = ["FAAS_WORKER_PATH": wrapper, "FAAS_RUNTIME_IDLE": "1"]
        return options
    }

    func testAFunctionRunsAgainAfterItsRuntimeWasEvicted() throws {
        let suite = try suite
        let id = try suite.deployOK(uniqueName("restart"), "python", source: "import sys\nprint('hello', sys.stdin.read())\n")
        XCTAssertEqual(try suite.invokeText(id, "first"), "hello first\n")
        // The idle runtime is stopped (FAAS_RUNTIME_IDLE=1): wait until none of it is left.
        var left = ProcFS.processes(withEnvironment: "FAAS_FUNCTION_ID=\(id)")
        for _ in 0..<300 where !left.isEmpty {
            usleep(50_000)
            left = ProcFS.processes(withEnvironment: "FAAS_FUNCTION_ID=\(id)")
        }
        XCTAssertEqual(left, [], "the idle runtime was evicted")
        let again = try suite.invoke(id, "second")
        XCTAssertEqual(again.status, 200, "a new runtime gets the code copy: \(again)")
        XCTAssertEqual(again.text.contains("hello second"), true, "\(again)")
    }
}
