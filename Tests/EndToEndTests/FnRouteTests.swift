import Foundation
import XCTest

/// The raw route, `ANY /fn/NAME_OR_ID[/sub/path][?query]`: any method (a browser's GET too),
/// the function's own answer (a script's or command's stdout as text, a failure as a JSON 500),
/// the invoke scope, public functions and CORS as on /invoke, and `X-Request-Id` on every
/// invoke answer, refusals too, with the same id in the daemons' logs.
final class FnRouteTests: SuiteTestCase {
    override class var suiteOptions: FaaSSuite.Options {
        var options = FaaSSuite.Options()
        options.workers = 2
        return options
    }

    func testScriptsAndCommandsAnswerWithTheirStdout() throws {
        let suite = try suite
        let name = uniqueName("echo")
        let id = try suite.deployOK(name, "python", source: "import sys\nprint('got ' + sys.stdin.read())\n")

        // A browser's GET: no body, any query (the function's, not the gateway's), text back.
        let get = try suite.request("GET", "/fn/\(name)?anything=1&flag")
        XCTAssertEqual(get.status, 200, "\(get)")
        XCTAssertEqual(get.header("content-type"), "text/plain; charset=utf-8")
        XCTAssertEqual(get.text, "got \n")
        XCTAssertNotNil(get.header("x-request-id"))
        // Any method, a sub-path, a body; by version id too.
        for method in ["POST", "PUT", "PATCH", "DELETE"] {
            let response = try suite.request(method, "/fn/\(id)/a/b?x=1", body: Data("payload-\(method)".utf8))
            XCTAssertEqual(response.status, 200, "\(method): \(response)")
            XCTAssertEqual(response.text, "got payload-\(method)\n", method)
        }
        let head = try suite.request("HEAD", "/fn/\(name)")
        XCTAssertEqual(head.status, 200, "\(head)")
        XCTAssertTrue(head.body.isEmpty)

        // Bytes that are not UTF-8 go out as they are, typed as octets.
        let binary = uniqueName("binary")
        _ = try suite.deployOK(binary, "python", source: "import sys\nsys.stdout.buffer.write(bytes([0xff, 0xfe, 0x00, 0x41]))\n")
        let bytes = try suite.request("GET", "/fn/\(binary)")
        XCTAssertEqual(bytes.status, 200, "\(bytes)")
        XCTAssertEqual(bytes.header("content-type"), "application/octet-stream")
        XCTAssertEqual([UInt8](bytes.body), [0xff, 0xfe, 0x00, 0x41])

        // A WebAssembly command: its stdout is the body.
        let c = uniqueName("helloc")
        _ = try suite.deployOK(c, "c", source: try Examples.source("hello.c"))
        let command = try suite.request("POST", "/fn/\(c)", body: Data("web".utf8))
        XCTAssertEqual(command.status, 200, "\(command)")
        XCTAssertEqual(command.text, "Hello, web\n")
    }

    func testHandlerStringsAreTextAndFailuresAreJSON500() throws {
        let suite = try suite
        // A handler returning a string shaped like a proxy response: still text (only a
        // returned object is the function's HTTP response).
        let shaped = uniqueName("shaped")
        _ = try suite.deployOK(shaped, "python", source: "def handler(event):\n    return '{\"statusCode\": 201, \"body\": \"x\"}'\n", query: "&mode=handler")
        let text = try suite.request("GET", "/fn/\(shaped)")
        XCTAssertEqual(text.status, 200, "\(text)")
        XCTAssertEqual(text.header("content-type"), "text/plain; charset=utf-8")
        XCTAssertEqual(text.text, #"{"statusCode": 201, "body": "x"}"#)

        let failing = uniqueName("failing")
        _ = try suite.deployOK(failing, "python", source: "import sys\nsys.exit('boom')\n")
        let failed = try suite.request("GET", "/fn/\(failing)/x")
        XCTAssertEqual(failed.status, 500, "\(failed)")
        XCTAssertEqual(try failed.json()["ok"] as? Bool, false)
        XCTAssertNotNil(failed.header("x-request-id"))

        let missing = try suite.request("GET", "/fn/no-such-\(uniqueName("fn"))")
        XCTAssertEqual(missing.status, 404, "\(missing)")
        XCTAssertNotNil(missing.header("x-request-id"), "refusals carry the id too")
        XCTAssertEqual(try suite.request("GET", "/fn/bad%20name").status, 400)
        XCTAssertEqual(try suite.request("GET", "/fn/").status, 404, "no function named")
        // Async is /invoke's: refused clearly here rather than run and answered as something else.
        let async = try suite.request("POST", "/fn/\(failing)", headers: [("X-Invoke-Async", "true")])
        XCTAssertEqual(async.status, 400, "\(async)")
        XCTAssertTrue(async.text.contains("/invoke"), "\(async)")
    }

    func testInvokeScopePublicFunctionsAndCORS() throws {
        let suite = try suite
        let secret = uniqueName("private")
        _ = try suite.deployOK(secret, "python", source: "print('private')\n")
        XCTAssertEqual(try suite.request("GET", "/fn/\(secret)", authorized: false).status, 401)
        XCTAssertEqual(try suite.request("GET", "/fn/\(secret)").text, "private\n")
        // A key that may only read (no invoke scope) is refused.
        let created = try suite.request("POST", "/keys", body: Data(#"{"scopes":["read"]}"#.utf8))
        XCTAssertEqual(created.status, 201, "\(created)")
        let readKey = try XCTUnwrap(try created.json()["key"] as? String)
        let forbidden = try suite.request("GET", "/fn/\(secret)", headers: [("Authorization", "Bearer \(readKey)")])
        XCTAssertEqual(forbidden.status, 403, "\(forbidden)")
        XCTAssertNotNil(forbidden.header("x-request-id"))

        let open = uniqueName("public")
        _ = try suite.deployOK(open, "python", source: "print('public')\n", query: "&public=true&cors=https://app.example")
        let anonymous = try suite.request("GET", "/fn/\(open)/page", headers: [("Origin", "https://app.example")], authorized: false)
        XCTAssertEqual(anonymous.status, 200, "\(anonymous)")
        XCTAssertEqual(anonymous.text, "public\n")
        XCTAssertEqual(anonymous.header("access-control-allow-origin"), "https://app.example")
        let preflight = try suite.request("OPTIONS", "/fn/\(open)/page", headers: [
            ("Origin", "https://app.example"), ("Access-Control-Request-Method", "PUT"),
        ], authorized: false)
        XCTAssertEqual(preflight.status, 204, "\(preflight)")
        XCTAssertEqual(preflight.header("access-control-allow-origin"), "https://app.example")
        XCTAssertTrue(preflight.header("access-control-allow-methods")?.contains("PUT") == true, "\(preflight.headers)")
        let otherOrigin = try suite.request("GET", "/fn/\(open)", headers: [("Origin", "https://evil.example")], authorized: false)
        XCTAssertNil(otherOrigin.header("access-control-allow-origin"))
    }

    /// X-Request-Id: the caller's own when usable, one of the gateway's otherwise, on success
    /// and failure, sync and async; a failure's id is in the gateway's log, a timed-out job's in
    /// the server's.
    func testRequestIDsOnEveryInvokeAnswerAndInTheLogs() throws {
        let suite = try suite
        let failing = uniqueName("fails")
        _ = try suite.deployOK(failing, "python", source: "import sys\nsys.exit('boom')\n")
        let mine = "trace-\(UUID().uuidString.prefix(8))"
        let failed = try suite.request("POST", "/invoke?fn=\(failing)", headers: [("X-Request-Id", mine)])
        XCTAssertEqual(failed.status, 500, "\(failed)")
        XCTAssertEqual(failed.header("x-request-id"), mine)
        let gatewayLog = try String(contentsOfFile: suite.logPath("gateway"), encoding: .utf8)
        XCTAssertTrue(gatewayLog.contains("request_id=\(mine)"), "the gateway logs the failure under the caller's id")

        // An unusable id (a space, a separator that could forge a log field) is replaced.
        let replaced = try suite.request("POST", "/invoke?fn=\(failing)", headers: [("X-Request-Id", "a b=c")])
        let generated = try XCTUnwrap(replaced.header("x-request-id"))
        XCTAssertNotEqual(generated, "a b=c")
        XCTAssertTrue(generated.hasPrefix("req_"), generated)

        let missing = "missing-\(UUID().uuidString.prefix(8))"
        let notFound = try suite.request("POST", "/invoke?fn=nope-\(uniqueName("x"))", headers: [("X-Request-Id", missing)])
        XCTAssertEqual(notFound.status, 404)
        XCTAssertEqual(notFound.header("x-request-id"), missing)
        XCTAssertTrue(try String(contentsOfFile: suite.logPath("gateway"), encoding: .utf8).contains("request_id=\(missing)"))

        let ok = uniqueName("ok")
        _ = try suite.deployOK(ok, "python", source: "print('fine')\n")
        let success = try suite.request("POST", "/invoke?fn=\(ok)")
        XCTAssertEqual(success.status, 200)
        XCTAssertNotNil(success.header("x-request-id"))
        XCTAssertNotEqual(success.header("x-request-id"), generated, "each request its own id")

        // Async: the submit answer and the status answer carry the submitting request's id.
        let asyncID = "async-\(UUID().uuidString.prefix(8))"
        let submitted = try suite.request("POST", "/invoke?fn=\(ok)&async=true", headers: [("X-Request-Id", asyncID)])
        XCTAssertEqual(submitted.status, 202, "\(submitted)")
        XCTAssertEqual(submitted.header("x-request-id"), asyncID)
        let invocation = try XCTUnwrap(try submitted.json()["invocation_id"] as? String)
        var status: HTTPResult?
        try suite.waitFor("the async invocation to finish") {
            status = try? suite.request("GET", "/invocations/\(invocation)")
            return (try? status?.json()["state"] as? String) == "succeeded"
        }
        XCTAssertEqual(status?.header("x-request-id"), asyncID)
        XCTAssertEqual(try status?.json()["request_id"] as? String, asyncID)

        // The server's log line about a worker that died running the job names the request.
        let slow = uniqueName("slow")
        let slowFunction = try suite.deployOK(slow, "python", source: "import time\ntime.sleep(30)\n", query: "&timeout=20")
        let slowID = "slow-\(UUID().uuidString.prefix(8))"
        let answered = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var answer: HTTPResult?
        DispatchQueue.global().async {
            answer = try? suite.request("POST", "/invoke?fn=\(slow)", headers: [("X-Request-Id", slowID)], timeout: 60)
            answered.signal()
        }
        var worker: Int32?
        try suite.waitFor("the slow function to run in a worker") {
            worker = FaaSSuite.workerRunning(function: slowFunction)
            return worker != nil
        }
        kill(try XCTUnwrap(worker), SIGKILL)
        XCTAssertEqual(answered.wait(timeout: .now() + 60), .success)
        XCTAssertEqual(answer?.status, 500, "\(String(describing: answer))")
        XCTAssertEqual(answer?.header("x-request-id"), slowID)
        try suite.waitFor("the server's log line about the dead worker") {
            ((try? String(contentsOfFile: suite.logPath("server"), encoding: .utf8)) ?? "").contains("request_id=\(slowID)")
        }
    }
}
