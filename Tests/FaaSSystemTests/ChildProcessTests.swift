import XCTest
import Glibc
@testable import FaaSSystem

final class ChildProcessTests: XCTestCase {
    private func shell(_ script: String) -> SpawnRequest {
        SpawnRequest(executable: "/bin/sh", arguments: ["-c", script], environment: ["PATH": "/usr/bin:/bin"], standardError: nil)
    }

    /// Runs `request` with stdin and stdout piped, feeding `input`; returns what it wrote and
    /// how it ended.
    private func run(_ request: SpawnRequest, input: [UInt8] = [], teardown: Teardown = .kill(),
                     setUp: (ChildProcess) -> Void = { _ in }) throws -> (output: [UInt8], status: ExitStatus?) {
        let loop = try EventLoop()
        let child = try ChildProcess(request, pipes: [ChildPipe(.toChild, on: 0), ChildPipe(.fromChild, on: 1)],
                                     teardown: teardown, loop: loop)
        let connection = try XCTUnwrap(child.connection)
        var output: [UInt8] = []
        var status: ExitStatus?
        var outputEnded = false
        connection.onData = { output += $0 }
        connection.onEndOfInput = {
            outputEnded = true
            if status != nil { loop.stop() }
        }
        connection.onClose = { _ in
            outputEnded = true
            if status != nil { loop.stop() }
        }
        child.onExit = { exit in
            status = exit
            if outputEnded { loop.stop() }
        }
        try connection.start()
        connection.send(input)
        setUp(child)
        try runLoop(loop)
        XCTAssertEqual(child.status, status)
        XCTAssertFalse(child.isRunning)
        return (output, status)
    }

    func testPipesCarryBytesBothWaysAndTheExitStatusIsReported() throws {
        let payload = Array((0..<300_000).map { UInt8($0 % 251) })
        let result = try run(shell("head -c \(payload.count); exit 3"), input: payload)
        XCTAssertEqual(result.output, payload)
        XCTAssertEqual(result.status, .exited(3))
    }

    func testDeathBySignalIsReportedAsSuch() throws {
        let result = try run(shell("kill -SEGV $$"))
        XCTAssertEqual(result.status, .signaled(SIGSEGV))
    }

    func testDeadlineTearsTheChildDownAndTellsFirst() throws {
        var expired = false
        let result = try run(shell("exec sleep 30"), teardown: .kill()) { child in
            child.setDeadline(after: 0.2) { expired = true }
        }
        XCTAssertTrue(expired)
        XCTAssertEqual(result.status, .signaled(SIGKILL))
    }

    func testCancelledDeadlineLeavesTheChildAlone() throws {
        let result = try run(shell("sleep 0.3; echo done")) { child in
            child.setDeadline(after: 0.1) { XCTFail("cancelled deadline fired") }
            child.cancelDeadline()
        }
        XCTAssertEqual(result.output, Array("done\n".utf8))
        XCTAssertEqual(result.status, .exited(0))
    }

    /// The teardown: TERM first, and KILL once the grace has passed for a child ignoring TERM.
    func testTeardownEscalatesFromTermToKillForAChildIgnoringTerm() throws {
        let script = "trap 'echo got-term' TERM; echo ready; while :; do sleep 0.05; done"
        let started = EventLoop.now()
        let result = try run(shell(script), teardown: Teardown(signal: SIGTERM, grace: 0.5, scope: .group)) { child in
            child.connection?.onData = { bytes in
                if String(decoding: bytes, as: UTF8.self).contains("ready") { child.terminate() }
            }
        }
        XCTAssertEqual(result.status, .signaled(SIGKILL), "TERM was ignored, so KILL ended it")
        XCTAssertGreaterThanOrEqual(EventLoop.now() - started, 0.5, "KILL came only after the grace")
    }

    func testTeardownStopsAtTheFirstSignalWhenTheChildListens() throws {
        let result = try run(shell("echo ready; exec sleep 30"), teardown: Teardown(signal: SIGTERM, grace: 5)) { child in
            child.connection?.onData = { _ in child.terminate() }
        }
        XCTAssertEqual(result.status, .signaled(SIGTERM))
    }

    func testGroupScopeReachesWhatTheChildForked() throws {
        // The grandchild keeps stdout open: only a group kill ends the output.
        let result = try run(shell("sleep 30 & echo ready; wait"), teardown: .kill(.group)) { child in
            child.connection?.onData = { _ in child.kill() }
        }
        XCTAssertEqual(result.status, .signaled(SIGKILL))
    }

    func testExecFailureIsReportedAtSpawn() throws {
        let loop = try EventLoop()
        XCTAssertThrowsError(try ChildProcess(SpawnRequest(executable: "/nonexistent/tool"), teardown: .kill(), loop: loop)) { error in
            guard case SpawnError.failed(let executable, let code)? = error as? SpawnError else { return XCTFail("\(error)") }
            XCTAssertEqual(executable, "/nonexistent/tool")
            XCTAssertEqual(code, ENOENT)
        }
        XCTAssertThrowsError(try ChildProcess(SpawnRequest(executable: "/bin/sh"),
                                              pipes: [ChildPipe(.fromChild, on: 1), ChildPipe(.fromChild, on: 2)],
                                              teardown: .kill(), loop: loop))
    }

    /// Descriptors land where asked even when a source sits on another's target (a swap), or
    /// on its own target (which a plain dup2 would leave close-on-exec).
    func testExtraDescriptorsMapRightWhateverTheOverlap() throws {
        let loop = try EventLoop()
        let (readA, writeA) = try FileDescriptor.pipe()
        let (readB, writeB) = try FileDescriptor.pipe()
        let (readC, writeC) = try FileDescriptor.pipe()
        let a = writeA.rawValue, b = writeB.rawValue, c = writeC.rawValue
        var request = SpawnRequest(executable: "/bin/bash",
                                   arguments: ["-c", "echo to-\(a) >&\(a); echo to-\(b) >&\(b); echo to-\(c) >&\(c)"],
                                   environment: ["PATH": "/usr/bin:/bin"], standardError: nil)
        request.extraDescriptors = [(writeA, b), (writeB, a), (writeC, c)]
        let child = try ChildProcess(request, teardown: .kill(), loop: loop)
        child.onExit = { _ in loop.stop() }
        try runLoop(loop)
        writeA.close(); writeB.close(); writeC.close()
        let fromA = try readA.closeAfter { try $0.readAll() }
        let fromB = try readB.closeAfter { try $0.readAll() }
        let fromC = try readC.closeAfter { try $0.readAll() }
        XCTAssertEqual(child.status, .exited(0))
        XCTAssertEqual(String(decoding: fromA, as: UTF8.self), "to-\(b)\n", "pipe A was mapped onto \(b)")
        XCTAssertEqual(String(decoding: fromB, as: UTF8.self), "to-\(a)\n", "pipe B was mapped onto \(a)")
        XCTAssertEqual(String(decoding: fromC, as: UTF8.self), "to-\(c)\n", "pipe C kept its own number")
    }
}
