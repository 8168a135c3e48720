import Foundation
import XCTest

/// Functions written for other platforms, deployed and invoked unchanged (issue 12): the
/// examples in scripts/examples/, entry points, events, Lambda's context, result typing, and
/// what a function prints going to its log, never into its output.
final class ConventionsTests: SuiteTestCase {
    private func json(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], text)
    }

    private func deployExample(_ file: String, _ language: String, mode: String = "handler", entrypoint: String) throws -> String {
        let name = uniqueName(String(file.split(separator: ".")[0]).replacingOccurrences(of: "_", with: "-"))
        let response = try suite.deploy(name, language, source: try Examples.source(file))
        XCTAssertEqual(response.status, 201, "\(file): \(response)")
        let object = try response.json()
        XCTAssertEqual(object["mode"] as? String, mode, file)
        XCTAssertEqual(object["entrypoint"] as? String, entrypoint, file)
        return name
    }

    private func invoke(_ name: String, _ body: String, contentType: String? = nil) throws -> HTTPResult {
        try suite.request("POST", "/invoke?fn=\(name)", body: Data(body.utf8), headers: contentType.map { [("Content-Type", $0)] } ?? [])
    }

    /// The output of a successful invoke.
    private func output(_ name: String, _ body: String, contentType: String? = nil, file: StaticString = #filePath,
                        line: UInt = #line) throws -> String {
        let response = try invoke(name, body, contentType: contentType)
        XCTAssertEqual(response.status, 200, "\(name): \(response)", file: file, line: line)
        return try XCTUnwrap(try response.json()["output"] as? String, "\(response)", file: file, line: line)
    }

    // MARK: the examples, unchanged

    /// issue 12: `def handler(event): return {"result": event.get("sleep")}` failed with
    /// AttributeError: 'str' object has no attribute 'get' (the event was never parsed).
    func testSeBSPythonHandlerGetsTheParsedEvent() throws {
        let name = try deployExample("sebs_sleep.py", "python", entrypoint: "handler")
        XCTAssertEqual(try json(try output(name, #"{"sleep": 0.2}"#, contentType: "application/json"))["result"] as? Double, 0.2)
        XCTAssertEqual(try json(try output(name, #"{"sleep": 0}"#))["result"] as? Int, 0, "an object body is JSON without a content type too")
    }

    func testLambdaPythonHandlerWithContext() throws {
        let name = try deployExample("lambda_handler.py", "python", entrypoint: "lambda_handler")
        let answer = try json(try output(name, #"{"n": 21}"#))
        XCTAssertEqual(answer["statusCode"] as? Int, 200)
        let body = try json(try XCTUnwrap(answer["body"] as? String))
        XCTAssertEqual(body["n"] as? Int, 42)
        XCTAssertEqual(body["function"] as? String, name, "context.function_name")
        XCTAssertFalse((body["request_id"] as? String ?? "").isEmpty, "context.aws_request_id")
        XCTAssertFalse(try invoke(name, #"{"n": 1}"#).text.contains("doubling"), "what it prints is not in the answer")
    }

    /// issue 12: an OpenFaaS `def handle(req): return req` deployed as a script answered "".
    func testOpenFaaSHandleGetsTheRawBody() throws {
        let name = try deployExample("openfaas_handle.py", "python", entrypoint: "handle")
        XCTAssertEqual(try output(name, "there"), "Hello! You said: there")
        XCTAssertEqual(try output(name, #"{"a": 1}"#, contentType: "application/json"), #"Hello! You said: {"a": 1}"#,
                       "the raw body even when it is JSON")
    }

    /// issue 12: an OpenWhisk `function main(params)` deployed as a script answered "".
    func testOpenWhiskMainGetsParams() throws {
        let name = try deployExample("openwhisk_main.js", "js", entrypoint: "main")
        XCTAssertEqual(try json(try output(name, #"{"name": "Ada"}"#))["payload"] as? String, "Hello, Ada!")
        XCTAssertEqual(try json(try output(name, ""))["payload"] as? String, "Hello, stranger!")
    }

    /// issue 12: a Lambda `exports.handler = async (event, context) => ...` answered
    /// {"statusCode":200,"body":"{\"n\":null}"}: the event was a string, there was no context.
    func testLambdaAsyncJavaScriptHandler() throws {
        let name = try deployExample("lambda_async.js", "js", entrypoint: "handler")
        let answer = try json(try output(name, #"{"n": 21}"#))
        XCTAssertEqual(answer["statusCode"] as? Int, 200)
        XCTAssertEqual(try json(try XCTUnwrap(answer["body"] as? String)) as NSDictionary, ["n": 42, "function": name] as NSDictionary)
    }

    func testLambdaCallbackJavaScriptHandler() throws {
        let name = try deployExample("lambda_callback.js", "js", entrypoint: "handler")
        XCTAssertEqual(try output(name, #"{"text": "to be or not"}"#), #"{"words":4}"#)
        let failed = try invoke(name, #"{"n": 1}"#)
        XCTAssertEqual(failed.status, 500, "\(failed)")
        XCTAssertTrue(failed.text.contains("expected"), "callback(error) fails the call with it: \(failed)")
    }

    func testModuleExportsHandler() throws {
        let name = try deployExample("module_exports.js", "js", entrypoint: "handler")
        XCTAssertEqual(try output(name, "shout"), "SHOUT", "a string body, a string result as is")
        XCTAssertEqual(try output(name, #"{"b": 1, "a": 2}"#), #"{"keys":["a","b"]}"#)
    }

    /// Each example above through the raw route as a browser or an HTTP client calls it: the
    /// Lambda handlers get the function-URL event and their `{statusCode, headers, body}` is
    /// the HTTP answer; OpenFaaS gets the body; OpenWhisk's params carry the query; other
    /// values are JSON or text (issue 12, items 4 and 9).
    func testEveryConventionThroughTheRawRoute() throws {
        let suite = try suite
        func call(_ method: String, _ path: String, _ body: String = "", _ headers: [(String, String)] = []) throws -> HTTPResult {
            try suite.request(method, path, body: Data(body.utf8), headers: headers)
        }
        let lambdaPython = try deployExample("lambda_handler.py", "python", entrypoint: "lambda_handler")
        var answer = try call("POST", "/fn/\(lambdaPython)/double?x=1", #"{"n": 21}"#, [("Content-Type", "application/json")])
        XCTAssertEqual(answer.status, 200, "\(answer)")
        XCTAssertEqual(answer.header("content-type"), "application/json", "the handler's own header: \(answer.headers)")
        XCTAssertEqual(try answer.json()["n"] as? Int, 42, "the body it returned is the HTTP body: \(answer)")
        XCTAssertEqual(try answer.json()["request_id"] as? String, answer.header("x-request-id"), "context.aws_request_id is the request's id")

        let lambdaJS = try deployExample("lambda_async.js", "js", entrypoint: "handler")
        answer = try call("PUT", "/fn/\(lambdaJS)", #"{"n": 4}"#, [("Content-Type", "application/json")])
        XCTAssertEqual(answer.status, 200, "\(answer)")
        XCTAssertEqual(try answer.json() as NSDictionary, ["n": 8, "function": lambdaJS] as NSDictionary)

        let sebs = try deployExample("sebs_sleep.py", "python", entrypoint: "handler")
        answer = try call("POST", "/fn/\(sebs)", #"{"sleep": 0}"#, [("Content-Type", "application/json")])
        XCTAssertEqual(answer.status, 200, "\(answer)")
        XCTAssertTrue(answer.header("content-type")?.hasPrefix("application/json") == true, "a dict is JSON: \(answer.headers)")

        let openfaas = try deployExample("openfaas_handle.py", "python", entrypoint: "handle")
        answer = try call("POST", "/fn/\(openfaas)", "hi")
        XCTAssertEqual(answer.status, 200, "\(answer)")
        XCTAssertEqual(answer.text, "Hello! You said: hi", "the raw body in, a string out as text")
        XCTAssertTrue(answer.header("content-type")?.hasPrefix("text/plain") == true, "\(answer.headers)")

        let openwhisk = try deployExample("openwhisk_main.js", "js", entrypoint: "main")
        answer = try call("GET", "/fn/\(openwhisk)?name=Grace")
        XCTAssertEqual(answer.status, 200, "a browser's GET: \(answer)")
        XCTAssertEqual(try answer.json()["payload"] as? String, "Hello, Grace!", "the query's parameters are params, as in a web action")

        let callback = try deployExample("lambda_callback.js", "js", entrypoint: "handler")
        answer = try call("POST", "/fn/\(callback)", #"{"text": "a b c"}"#, [("Content-Type", "application/json")])
        XCTAssertEqual(answer.status, 200, "\(answer)")
        XCTAssertEqual(try answer.json()["words"] as? Int, 3)
        XCTAssertEqual(try call("POST", "/fn/\(callback)", "{}", [("Content-Type", "application/json")]).status, 500,
                       "callback(error) is the function's failure")

        let exports = try deployExample("module_exports.js", "js", entrypoint: "handler")
        answer = try call("POST", "/fn/\(exports)", "loud")
        XCTAssertEqual(answer.status, 200, "\(answer)")
        XCTAssertEqual(answer.text, "LOUD")

        // A handler's own status and headers; the framing ones it may not set are dropped.
        let custom = uniqueName("status")
        XCTAssertEqual(try suite.deploy(custom, "python", source: Data("""
            def lambda_handler(event, context):
                return {"statusCode": 418, "headers": {"X-Teapot": "yes", "Content-Length": "1"}, "body": event["rawPath"]}
            """.utf8)).status, 201)
        answer = try call("GET", "/fn/\(custom)/brew/tea")
        XCTAssertEqual(answer.status, 418, "\(answer)")
        XCTAssertEqual(answer.header("x-teapot"), "yes")
        XCTAssertEqual(answer.text, "/brew/tea", "rawPath is the path below the function")
    }

    // MARK: entry points

    func testEntrypointNamesAnyFunction() throws {
        let suite = try suite
        let py = uniqueName("entrypy")
        let deployed = try suite.deploy(py, "python", source: "def compute(event, context):\n    return [event, context.function_name]\n",
                                        query: "&entrypoint=compute")
        XCTAssertEqual(deployed.status, 201, "\(deployed)")
        XCTAssertEqual(try deployed.json()["mode"] as? String, "handler")
        XCTAssertEqual(try deployed.json()["entrypoint"] as? String, "compute")
        XCTAssertEqual(try output(py, "[1]"), "[[1], \"\(py)\"]")

        let js = uniqueName("entryjs")
        XCTAssertEqual(try suite.deploy(js, "js", source: "exports.double = (e) => e * 2;", query: "&entrypoint=double").status, 201)
        XCTAssertEqual(try output(js, "21", contentType: "application/json"), "42")

        // `handler` is found even when the module calls it; with &entrypoint it is a handler.
        let called = uniqueName("entrycalled")
        XCTAssertEqual(try suite.deploy(called, "python", source: "def handler(e):\n    return 'h'\nhandler(1)\n", query: "&entrypoint=handler").status, 201)
        XCTAssertEqual(try output(called, ""), "h")

        for (language, query, status) in [("python", "&entrypoint=1bad", 400), ("python", "&entrypoint=class", 400), ("js", "&entrypoint=a-b", 400),
                                          ("python", "&entrypoint=missing", 422), ("python", "&entrypoint=compute&mode=command", 400)] {
            let name = uniqueName("badentry")
            let response = try suite.deploy(name, language, source: language == "js" ? "exports.compute = (e) => e;" : "def compute(e):\n    return e\n",
                                            query: query)
            XCTAssertEqual(response.status, status, "\(language) \(query): \(response)")
            XCTAssertEqual(try suite.request("GET", "/function/\(name)").status, 404, "nothing stored: \(query)")
        }
        let go = try suite.deploy(uniqueName("goentry"), "go", source: try Examples.source("hello_handler.go"), query: "&entrypoint=Handle")
        XCTAssertEqual(go.status, 400, "a go handler is always Handle: \(go)")
    }

    /// issue 12: a module that defines functions, prints nothing and names no known entry
    /// point is refused, naming the functions, instead of answering "" on every call.
    func testAModuleWithFunctionsButNoEntryPointIsRefused() throws {
        let suite = try suite
        for (language, source) in [("python", "import json\n\ndef helper(x):\n    return x\n\ndef process(event):\n    return helper(event)\n"),
                                   ("js", "function helper(x) { return x; }\nconst process_ = (event) => helper(event);\n")] {
            let name = uniqueName("noentry")
            let response = try suite.deploy(name, language, source: source)
            XCTAssertEqual(response.status, 422, "\(language): \(response)")
            XCTAssertTrue(response.text.contains("helper") && response.text.contains("entrypoint"), "names the candidates: \(response)")
            XCTAssertEqual(try suite.request("GET", "/function/\(name)").status, 404)
        }
    }

    func testAnUncalledMainIsAnEntryAndACalledOneAProgram() throws {
        let suite = try suite
        let handler = uniqueName("uncalledmain")
        let deployed = try suite.deploy(handler, "python", source: "def main(args):\n    return {'got': args}\n")
        XCTAssertEqual(try deployed.json()["mode"] as? String, "handler", "\(deployed)")
        XCTAssertEqual(try output(handler, #"{"a": 1}"#), #"{"got": {"a": 1}}"#)

        let program = uniqueName("calledmain")
        let script = "import sys\n\ndef main():\n    print('hi ' + sys.stdin.read())\n\nif __name__ == '__main__':\n    main()\n"
        XCTAssertEqual(try suite.deploy(program, "python", source: script).json()["mode"] as? String, "command")
        XCTAssertEqual(try output(program, "you"), "hi you\n")

        let js = uniqueName("calledmainjs")
        XCTAssertEqual(try suite.deploy(js, "js", source: "function main() { console.log('js main'); }\nmain();\n").json()["mode"] as? String, "command")
        XCTAssertEqual(try output(js, ""), "js main\n")
    }

    // MARK: events, context, results

    func testEventModeOverride() throws {
        let suite = try suite
        let source = "def handler(event):\n    return type(event).__name__\n"
        let raw = uniqueName("eventraw")
        let deployed = try suite.deploy(raw, "python", source: source, query: "&event=raw")
        XCTAssertEqual(deployed.status, 201, "\(deployed)")
        XCTAssertEqual(try deployed.json()["event"] as? String, "raw", "kept in the metadata and shown")
        XCTAssertEqual(try output(raw, #"{"a": 1}"#, contentType: "application/json"), "str")
        let parsed = uniqueName("eventjson")
        XCTAssertEqual(try suite.deploy(parsed, "python", source: source, query: "&event=json").status, 201)
        XCTAssertEqual(try output(parsed, "3"), "int")
        let notJSON = try invoke(parsed, "plain words")
        XCTAssertEqual(notJSON.status, 500, "\(notJSON)")
        XCTAssertTrue(notJSON.text.contains("not JSON"), "\(notJSON)")
        let auto = uniqueName("eventauto")
        XCTAssertEqual(try suite.deploy(auto, "python", source: source).status, 201)
        XCTAssertEqual(try output(auto, "3"), "str")
        XCTAssertEqual(try output(auto, "3", contentType: "application/json"), "int")

        XCTAssertEqual(try suite.deploy(uniqueName("eventbad"), "python", source: source, query: "&event=xml").status, 400)
        XCTAssertEqual(try suite.deploy(uniqueName("eventc"), "c", source: try Examples.source("hello.c"), query: "&event=raw").status, 400)
        XCTAssertEqual(try suite.request("GET", "/function/\(raw)").status, 200)
    }

    func testRemainingTimeFollowsTheDeadline() throws {
        let name = uniqueName("remaining")
        let source = "exports.handler = async (event, context) => context.getRemainingTimeInMillis();"
        XCTAssertEqual(try suite.deploy(name, "js", source: source, query: "&timeout=3").status, 201)
        let remaining = try XCTUnwrap(Int(try output(name, "")))
        XCTAssertTrue(remaining > 1000 && remaining <= 3000, "the call's own 3 s limit: \(remaining)")
    }

    func testResultsAreTextOrJSON() throws {
        let name = uniqueName("results")
        let source = "def handler(event):\n    return {'s': 'text', 'b': b'bytes', 'n': 7, 'l': [1], 'none': None}[event]\n"
        XCTAssertEqual(try suite.deploy(name, "python", source: source).status, 201)
        XCTAssertEqual(try output(name, "s"), "text")
        XCTAssertEqual(try output(name, "b"), "bytes")
        XCTAssertEqual(try output(name, "n"), "7")
        XCTAssertEqual(try output(name, "l"), "[1]")
        XCTAssertEqual(try output(name, "none"), "")
    }

    /// What a handler prints was discarded; it never reaches the output.
    func testWhatAHandlerPrintsIsNotItsOutput() throws {
        let name = uniqueName("printer")
        XCTAssertEqual(try suite.deploy(name, "js", source: "module.exports = (e) => { console.log('LOGGED'); return 'result'; };").status, 201)
        let response = try invoke(name, "")
        XCTAssertEqual(try response.json()["output"] as? String, "result")
        XCTAssertFalse(response.text.contains("LOGGED"), "\(response)")
    }

    // MARK: the worker's result: log and output type

    /// A worker run directly on jobs (as the server runs it): the result carries the log lines
    /// (a handler's prints, a command's and a WebAssembly program's stderr) and the output type.
    func testTheResultCarriesTheLogAndTheOutputType() throws {
        let suite = try suite
        let pyHandler = try suite.deployOK(uniqueName("logpy"), "python",
                                           source: "import sys\ndef handler(event):\n    print('from print', event['n'])\n    print('warned', file=sys.stderr)\n    return {'n': event['n']}\n")
        let jsHandler = try suite.deployOK(uniqueName("logjs"), "js", source: "module.exports = (e) => { console.log('js says', e); console.error('oops'); return e; };")
        let command = try suite.deployOK(uniqueName("logcmd"), "python", source: "import sys\nprint('out')\nprint('to stderr', file=sys.stderr)\n")
        let wasm = try suite.deployOK(uniqueName("logc"), "c", source: "#include <stdio.h>\nint main(void) { fprintf(stderr, \"c stderr\\n\"); puts(\"c out\"); return 0; }\n")
        let failing = try suite.deployOK(uniqueName("logfail"), "python", source: "def handler(event):\n    print('before the fall')\n    raise ValueError('boom')\n")
        let lambda = try suite.deployOK(uniqueName("loglambda"), "python", source: "def lambda_handler(event, context):\n    return event\n")

        let worker = try DirectWorker(functions: suite.functionsDirectory)
        defer { worker.stop() }
        let py = try worker.run(pyHandler, #"{"n": 3}"#)
        XCTAssertEqual(py.output, #"{"n": 3}"#)
        XCTAssertEqual(py.fields["output_type"] as? String, "json")
        XCTAssertEqual(py.fields["log"] as? String, "stdout from print 3\nstderr warned\n")

        let js = try worker.run(jsHandler, "plain")
        XCTAssertEqual(js.output, "plain")
        XCTAssertNil(js.fields["output_type"], "text is the default")
        XCTAssertEqual(js.fields["log"] as? String, "stdout js says plain\nstderr oops\n")

        let cmd = try worker.run(command, "")
        XCTAssertEqual(cmd.output, "out\n")
        XCTAssertEqual(cmd.fields["log"] as? String, "stderr to stderr\n")

        let c = try worker.run(wasm, "")
        XCTAssertEqual(c.output, "c out\n")
        XCTAssertEqual(c.fields["log"] as? String, "stderr c stderr\n", "WASI fd 2 is the log")

        let fell = try worker.run(failing, "")
        XCTAssertEqual(fell.fields["ok"] as? Bool, false)
        XCTAssertTrue((fell.fields["error"] as? String ?? "").contains("ValueError: boom"), "\(fell.fields)")
        XCTAssertEqual(fell.fields["log"] as? String, "stdout before the fall\n", "a failed call keeps its log")

        // Through /fn/ (a job whose context has an http request), Lambda's function-URL event.
        let http = #"{"request_id":"req-42","http":{"method":"PUT","path":"/items/7","query":"a=1","headers":[["x-h","v"]],"source_ip":"127.0.0.1"}}"#
        let event = try json(try worker.run(lambda, "body text", context: http).output)
        XCTAssertEqual(event["version"] as? String, "2.0")
        XCTAssertEqual(event["rawPath"] as? String, "/items/7")
        XCTAssertEqual(event["rawQueryString"] as? String, "a=1")
        XCTAssertEqual(event["body"] as? String, "body text")
        XCTAssertEqual(event["queryStringParameters"] as? [String: String], ["a": "1"])
        XCTAssertEqual(event["headers"] as? [String: String], ["x-h": "v"])
        let requestContext = try XCTUnwrap(event["requestContext"] as? [String: Any])
        XCTAssertEqual(requestContext["requestId"] as? String, "req-42")
        XCTAssertEqual((requestContext["http"] as? [String: Any])?["method"] as? String, "PUT")
    }

    /// issue 14: a Go handler always saw `POST /`; through /fn/ it sees the caller's method,
    /// path, query and headers (and through /invoke, as before, POST / with the payload).
    func testGoHandlerSeesTheCallersRequest() throws {
        let suite = try suite
        let source = """
            package function

            import (
            \t"io"
            \t"log"
            \t"net/http"
            )

            func Handle(w http.ResponseWriter, r *http.Request) {
            \tbody, _ := io.ReadAll(r.Body)
            \tlog.Printf("handling %s", r.Method)
            \tio.WriteString(w, r.Method+" "+r.URL.Path+" "+r.URL.RawQuery+" "+r.Header.Get("X-Test")+" "+string(body))
            }
            """
        let name = uniqueName("gorequest")
        let id = try suite.deployOK(name, "go", source: source)
        XCTAssertEqual(try output(name, "payload"), "POST /   payload")
        let worker = try DirectWorker(functions: suite.functionsDirectory)
        defer { worker.stop() }
        let http = #"{"request_id":"r1","http":{"method":"DELETE","path":"/a/b","query":"x=1&y=2","headers":[["x-test","yes"]]}}"#
        let result = try worker.run(id, "gone", context: http)
        XCTAssertEqual(result.output, "DELETE /a/b x=1&y=2 yes gone")
        XCTAssertTrue((result.fields["log"] as? String ?? "").hasSuffix("handling DELETE\n"), "what it logs is its log: \(result.fields)")
    }
}

/// A faas-worker run as the server runs it (jobs on stdin, results on stdout), on a suite's
/// functions folder, so a test can read a result's every field.
private final class DirectWorker {
    struct Result {
        let fields: [String: Any]
        let output: String
    }

    private let process = Process()
    private let input = Pipe()
    private let results = Pipe()
    private var buffered = Data()
    private var nextID = 1

    init(functions: String) throws {
        process.executableURL = try FaaSSuite.productsDirectory().appendingPathComponent("faas-worker")
        process.arguments = ["--functions-dir", functions, "--worker-id", "90"]
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("FAAS_") }
        process.standardInput = input
        process.standardOutput = results
        process.standardError = FileHandle.nullDevice
        try process.run()
        DaemonReaper.track(process.processIdentifier)
    }

    func stop() {
        try? input.fileHandleForWriting.close()
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        DaemonReaper.forget(process.processIdentifier)
    }

    /// Runs one job; `context` is the job's `ctx` JSON.
    func run(_ function: String, _ payload: String, context: String? = nil, timeout: Double = 60) throws -> Result {
        let id = nextID
        nextID += 1
        let bytes = Data(payload.utf8)
        let ctx = context.map { ",\"ctx\":\($0)" } ?? ""
        var job = Data("{\"type\":\"job\",\"id\":\(id),\"fn\":\"\(function)\",\"payload_bytes\":\(bytes.count),\"timeout\":30\(ctx)}\n".utf8)
        job.append(bytes)
        input.fileHandleForWriting.write(job)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let newline = buffered.firstIndex(of: UInt8(ascii: "\n")) {
                let line = buffered[buffered.startIndex..<newline]
                guard let fields = try JSONSerialization.jsonObject(with: line) as? [String: Any] else { throw SuiteError.startFailed("not a JSON line") }
                let length = fields["output_bytes"] as? Int ?? 0
                let end = buffered.index(after: newline)
                guard buffered.distance(from: end, to: buffered.endIndex) >= length else { try read(); continue }
                let output = buffered[end..<buffered.index(end, offsetBy: length)]
                buffered = Data(buffered[buffered.index(end, offsetBy: length)...])
                guard fields["id"] as? Int == id else { continue }
                return Result(fields: fields, output: (fields["output"] as? String) ?? String(decoding: output, as: UTF8.self))
            }
            try read()
        }
        throw SuiteError.startFailed("no result for job \(id) within \(timeout) s")
    }

    private func read() throws {
        let chunk = results.fileHandleForReading.availableData
        if chunk.isEmpty { throw SuiteError.startFailed("the worker closed its stdout") }
        buffered.append(chunk)
    }
}
