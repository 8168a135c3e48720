import Foundation
import XCTest

/// The HTTP API end to end: deploy, invoke by id and by name, source, list, health, metrics,
/// update and delete, against the real four daemons.
final class APITests: SuiteTestCase {
    func testDeployAndInvokePython() throws {
        let suite = try suite
        let name = uniqueName("hello-py")
        let source = try Examples.source("hello.py")
        let response = try suite.deploy(name, "python", source: source)
        XCTAssertEqual(response.status, 201, "\(response)")
        let object = try response.json()
        let id = try XCTUnwrap(object["id"] as? String)
        XCTAssertNotNil(id.range(of: "^\(name)_[0-9]+$", options: .regularExpression), "id is <name>_<unix time>: \(id)")
        let stamp = try XCTUnwrap(Double(id.dropFirst(name.count + 1)))
        XCTAssertEqual(stamp, Date().timeIntervalSince1970, accuracy: 120, "the id carries the unix time")
        XCTAssertEqual(object["name"] as? String, name)
        XCTAssertEqual(object["language"] as? String, "python")

        let byID = try suite.invoke(id, "world")
        XCTAssertEqual(byID.status, 200, "\(byID)")
        let result = try byID.json()
        XCTAssertEqual(result["ok"] as? Bool, true)
        XCTAssertEqual(result["output"] as? String, "Hello, world\n")
        XCTAssertNil(result["encoding"])
        XCTAssertEqual(byID.header("content-type")?.hasPrefix("application/json"), true, "\(byID.headers)")
        XCTAssertNotNil(byID.header("x-request-id"), "every invoke answer names its request: \(byID.headers)")
        let traced = try suite.request("POST", "/invoke?fn=\(id)", body: Data("x".utf8), headers: [("X-Request-Id", "trace-42")])
        XCTAssertEqual(traced.header("x-request-id"), "trace-42", "a caller's own id is kept")

        XCTAssertEqual(try suite.invokeText(name, "by name"), "Hello, by name\n")
        XCTAssertEqual(try suite.invokeText(id, ""), "Hello, \n", "an empty payload is an empty stdin")

        // The stored source, byte for byte, by name and by id.
        for key in [name, id] {
            let get = try suite.request("GET", "/function/\(key)")
            XCTAssertEqual(get.status, 200, "\(get)")
            XCTAssertEqual(get.body, Data(source.utf8))
        }
        // On disk, the spec's layout.
        let folder = "\(suite.functionsDirectory)/\(id)"
        XCTAssertEqual(try String(contentsOfFile: "\(folder)/code.py", encoding: .utf8), source)
        let metadata = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(folder)/metadata.json"))) as? [String: Any]
        XCTAssertEqual(metadata?["id"] as? String, id)
        XCTAssertEqual(metadata?["language"] as? String, "python")
        XCTAssertEqual((metadata?["size"] as? NSNumber)?.intValue, source.utf8.count)
    }

    func testDeployAndInvokeJavaScript() throws {
        let suite = try suite
        let name = uniqueName("hello-js")
        let source = try Examples.source("hello.js")
        let id = try suite.deployOK(name, "js", source: source)
        XCTAssertTrue(id.hasPrefix(name + "_"))
        XCTAssertEqual(try suite.invokeText(id, "world"), "Hello, world\n")
        XCTAssertEqual(try suite.invokeText(name, "JS ✓ é"), "Hello, JS ✓ é\n", "UTF-8 round trip")
        let get = try suite.request("GET", "/function/\(name)")
        XCTAssertEqual(get.status, 200)
        XCTAssertEqual(get.text, source)
    }

    func testEveryInvocationIsAFreshProcess() throws {
        let suite = try suite
        let name = uniqueName("counter")
        // State in a module global would leak between calls if the interpreter were reused.
        let id = try suite.deployOK(name, "python", source: "import sys\ncount = 0\ncount += 1\nprint(count, sys.stdin.read())\n")
        for index in 0..<6 {
            XCTAssertEqual(try suite.invokeText(id, "call\(index)"), "1 call\(index)\n")
        }
    }

    func testListHealthAndMetrics() throws {
        let suite = try suite
        let a = uniqueName("list-a")
        let b = uniqueName("list-b")
        let idA = try suite.deployOK(a, "python", source: "print('a')\n")
        let idB = try suite.deployOK(b, "js", source: "console.log('b')\n")
        XCTAssertEqual(try suite.invokeText(a, ""), "a\n")
        XCTAssertEqual(try suite.invokeText(b, ""), "b\n")

        let list = try suite.request("GET", "/functions")
        XCTAssertEqual(list.status, 200, "\(list)")
        let functions = try XCTUnwrap(try list.json()["functions"] as? [[String: Any]], "\(list)")
        let byName = Dictionary(functions.compactMap { entry in (entry["name"] as? String).map { ($0, entry) } }, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(byName[a]?["id"] as? String, idA)
        XCTAssertEqual(byName[a]?["language"] as? String, "python")
        XCTAssertEqual(byName[b]?["id"] as? String, idB)
        XCTAssertEqual(byName[b]?["language"] as? String, "js")

        let health = try suite.request("GET", "/health")
        XCTAssertEqual(health.status, 200, "\(health)")
        XCTAssertEqual(try health.json()["ok"] as? Bool, true)

        let metrics = try suite.request("GET", "/metrics")
        XCTAssertEqual(metrics.status, 200)
        XCTAssertEqual(metrics.header("content-type")?.hasPrefix("text/plain"), true)
        XCTAssertTrue(metrics.text.contains("faas_invocations_total"), metrics.text)
        // At least the two successful invokes above are counted.
        let okLine = metrics.text.split(separator: "\n").first { $0.hasPrefix("faas_invocations_total{outcome=\"ok\"}") }
        let okCount = okLine.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
        XCTAssertGreaterThanOrEqual(okCount, 2, metrics.text)
    }

    func testUpdateGivesVersionTwo() throws {
        let suite = try suite
        let name = uniqueName("upd")
        let v1 = try suite.deployOK(name, "python", source: "print('version one')\n")
        XCTAssertEqual(try suite.invokeText(name, ""), "version one\n")

        let newSource = "import sys\nprint('version two', sys.stdin.read())\n"
        let put = try suite.request("PUT", "/function/\(name)?lang=python", body: newSource)
        XCTAssertEqual(put.status, 201, "\(put)")
        let object = try put.json()
        XCTAssertEqual((object["version"] as? NSNumber)?.intValue, 2, "\(put)")
        let v2 = try XCTUnwrap(object["id"] as? String)
        XCTAssertNotEqual(v2, v1)
        XCTAssertTrue(v2.hasPrefix(name + "_"))

        XCTAssertEqual(try suite.invokeText(name, "x"), "version two x\n", "the name follows the new version")
        XCTAssertEqual(try suite.invokeText(v2, "y"), "version two y\n")
        XCTAssertEqual(try suite.invokeText(v1, ""), "version one\n", "the old id still names the old code")
        XCTAssertEqual(try suite.request("GET", "/function/\(name)").text, newSource)

        let list = try XCTUnwrap(try suite.request("GET", "/functions").json()["functions"] as? [[String: Any]])
        let entries = list.filter { $0["name"] as? String == name }
        XCTAssertEqual(entries.count, 1, "one entry per name")
        XCTAssertEqual(entries.first?["id"] as? String, v2)

        // Updating a name that does not exist is not a deploy.
        let ghost = try suite.request("PUT", "/function/\(uniqueName("ghost"))?lang=python", body: "print(1)\n")
        XCTAssertEqual(ghost.status, 404, "\(ghost)")
    }

    func testDeleteRemovesTheFunction() throws {
        let suite = try suite
        let name = uniqueName("del")
        let v1 = try suite.deployOK(name, "python", source: "print('doomed')\n")
        let put = try suite.request("PUT", "/function/\(name)?lang=python", body: "print('doomed too')\n")
        XCTAssertEqual(put.status, 201, "\(put)")
        XCTAssertEqual(try suite.invokeText(name, ""), "doomed too\n")

        let delete = try suite.request("DELETE", "/function/\(name)")
        XCTAssertEqual(delete.status, 200, "\(delete)")

        let byName = try suite.invoke(name, "")
        XCTAssertEqual(byName.status, 404, "\(byName)")
        XCTAssertEqual(try byName.json()["ok"] as? Bool, false)
        XCTAssertEqual(try suite.invoke(v1, "").status, 404, "every version is gone")
        XCTAssertEqual(try suite.request("GET", "/function/\(name)").status, 404)
        XCTAssertEqual(try suite.request("DELETE", "/function/\(name)").status, 404, "deleting twice")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: suite.functionsDirectory).filter { $0.hasPrefix(name + "_") }
        XCTAssertEqual(leftovers, [], "nothing left on disk")
        let names = (try suite.request("GET", "/functions").json()["functions"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        XCTAssertFalse(names.contains(name))

        // The name can be deployed again from scratch.
        _ = try suite.deployOK(name, "js", source: "console.log('reborn')\n")
        XCTAssertEqual(try suite.invokeText(name, ""), "reborn\n")
    }

    /// Sleeps until just after the next whole second, so a short sequence of steps lands in
    /// one second (ids are `<name>_<unix seconds>`).
    static func alignToSecond() {
        let now = Date().timeIntervalSince1970
        usleep(useconds_t((ceil(now) - now + 0.01) * 1_000_000))
    }

    func testRedeployAfterDeleteRunsTheNewCode() throws {
        let suite = try suite
        var collided = false
        for _ in 0..<4 where !collided {
            let name = uniqueName("reuse")
            Self.alignToSecond()
            let old = try suite.deployOK(name, "python", source: "print('old python')\n")
            // Every worker runs (and may cache) the old function.
            for _ in 0..<suite.options.workers { XCTAssertEqual(try suite.invokeText(name, ""), "old python\n") }
            XCTAssertEqual(try suite.request("DELETE", "/function/\(name)").status, 200)
            let new = try suite.deployOK(name, "js", source: "console.log('new js')\n")
            collided = new == old
            // Whatever the ids, the name now means the new code, on every worker.
            var answers: [String] = []
            for _ in 0..<(2 * suite.options.workers) {
                let response = try suite.invoke(name, "")
                answers.append(response.status == 200 ? ((try? response.json()["output"] as? String) ?? "?") : "\(response)")
            }
            XCTAssertEqual(answers, Array(repeating: "new js\n", count: answers.count),
                           "after delete + redeploy (\(old) -> \(new)) every worker must run the new code")
        }
        XCTAssertTrue(collided, "the test could not redeploy within the same second (ids never matched)")
    }

    func testNameEqualToAnExistingIDIsNotShadowed() throws {
        let suite = try suite
        let base = uniqueName("shadow")
        let existingID = try suite.deployOK(base, "python", source: "print('the original')\n")
        // A second function whose *name* is the first one's id.
        let response = try suite.deploy(existingID, "js", source: "console.log('the newcomer')\n")
        if response.status == 201 {
            // Accepted: then that name must lead to the new function, not to the old one.
            XCTAssertEqual(try suite.request("GET", "/function/\(existingID)").text, "console.log('the newcomer')\n",
                           "GET /function/<name> returns another function's source")
            XCTAssertEqual(try suite.invokeText(existingID, ""), "the newcomer\n",
                           "invoking the new function by its name runs a different function")
        } else {
            XCTAssertTrue([400, 409].contains(response.status), "an ambiguous name is refused clearly: \(response)")
        }
        XCTAssertEqual(try suite.invokeText(base, ""), "the original\n")
    }
}
