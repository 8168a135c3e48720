import Foundation
import XCTest

/// The one method table: 405 with Allow on every route, no invoke by GET, unknown query
/// parameters refused by name, DELETE by id as GET by id, and refusals of the parser (413, 414,
/// 431, 501) counted under their route in /metrics.
final class RoutingTests: SuiteTestCase {
    override class var suiteOptions: FaaSSuite.Options {
        var options = FaaSSuite.Options()
        options.workers = 1
        options.gatewayArguments = ["--max-body", "1000"]
        return options
    }

    func testWrongMethodsAre405WithAllowOnEveryRoute() throws {
        let suite = try suite
        let cases: [(String, String, String)] = [
            ("DELETE", "/health", "GET, HEAD"), ("POST", "/health", "GET, HEAD"), ("PUT", "/metrics", "GET, HEAD"), ("POST", "/metrics", "GET, HEAD"),
            ("GET", "/invoke?fn=x", "POST, OPTIONS"), ("PUT", "/invoke?fn=x", "POST, OPTIONS"), ("GET", "/deploy", "POST"), ("DELETE", "/functions", "GET, HEAD"),
            ("POST", "/function/x", "GET, HEAD, PUT, DELETE"), ("PUT", "/keys", "GET, HEAD, POST"), ("GET", "/keys/x", "DELETE"),
        ]
        for (method, path, allow) in cases {
            let response = try suite.request(method, path)
            XCTAssertEqual(response.status, 405, "\(method) \(path): \(response)")
            XCTAssertEqual(response.header("allow"), allow, "\(method) \(path)")
            XCTAssertEqual((try? response.json())?["ok"] as? Bool, false, "\(method) \(path): JSON error body")
        }
        // Allowed ones still work, HEAD where GET is.
        XCTAssertEqual(try suite.request("GET", "/health").status, 200)
        XCTAssertEqual(try suite.request("HEAD", "/health").status, 200)
    }

    func testGetDoesNotInvoke() throws {
        let suite = try suite
        // Whether it ran shows in the invocation counters of /metrics.
        let id = try suite.deployOK(uniqueName("noget"), "python", source: "print('ran')\n")
        let before = try invocations(suite)
        let response = try suite.request("GET", "/invoke?fn=\(id)")
        XCTAssertEqual(response.status, 405, "\(response)")
        XCTAssertEqual(response.header("allow"), "POST, OPTIONS")
        XCTAssertEqual(try invocations(suite), before, "the function did not run")
        XCTAssertEqual(try suite.invokeText(id, ""), "ran\n")
    }

    private func invocations(_ suite: FaaSSuite) throws -> Int {
        let text = try suite.request("GET", "/metrics").text
        return text.split(separator: "\n").filter { $0.hasPrefix("faas_invocations_total{") }
            .compactMap { Int($0.split(separator: " ").last ?? "") }.reduce(0, +)
    }

    func testUnknownQueryParametersAre400NamingThem() throws {
        let suite = try suite
        let name = uniqueName("params")
        let deploy = try suite.deploy(name, "python", source: "print(1)\n", query: "&entrypont=main&colour=red")
        XCTAssertEqual(deploy.status, 400, "\(deploy)")
        let message = try deploy.json()["error"] as? String ?? ""
        XCTAssertTrue(message.contains("entrypont") && message.contains("colour"), message)
        XCTAssertEqual(try suite.request("GET", "/function/\(name)").status, 404, "nothing deployed")
        let id = try suite.deployOK(name, "python", source: "print(1)\n")
        let invoke = try suite.request("POST", "/invoke?fn=\(id)&timeout=5", body: "")
        XCTAssertEqual(invoke.status, 400)
        XCTAssertTrue((try invoke.json()["error"] as? String ?? "").contains("timeout"), "\(invoke)")
        let get = try suite.request("GET", "/function/\(name)?version=2")
        XCTAssertEqual(get.status, 400)
        XCTAssertTrue((try get.json()["error"] as? String ?? "").contains("version"), "\(get)")
        let put = try suite.request("PUT", "/function/\(name)?langauge=python", body: "print(2)\n")
        XCTAssertEqual(put.status, 400)
        XCTAssertTrue((try put.json()["error"] as? String ?? "").contains("langauge"), "\(put)")
    }

    func testDeleteByIdRemovesTheFunctionAsDeleteByName() throws {
        let suite = try suite
        let name = uniqueName("delid")
        let first = try suite.deployOK(name, "python", source: "print(1)\n")
        XCTAssertEqual(try suite.request("PUT", "/function/\(name)", body: "print(2)\n").status, 201)
        XCTAssertEqual(try suite.request("GET", "/function/\(first)").status, 200, "GET by id")
        let deleted = try suite.request("DELETE", "/function/\(first)")
        XCTAssertEqual(deleted.status, 200, "DELETE by id: \(deleted)")
        XCTAssertEqual((try deleted.json()["deleted"] as? [String])?.count, 2, "every version: \(deleted)")
        XCTAssertEqual(try suite.request("GET", "/function/\(name)").status, 404)
        XCTAssertEqual(try suite.request("DELETE", "/function/\(first)").status, 404)
    }

    func testParserRefusalsAreCountedUnderTheirRoute() throws {
        let suite = try suite
        let id = try suite.deployOK(uniqueName("big"), "python", source: "print(1)\n")
        func count(_ route: String, _ status: Int) throws -> Int {
            let text = try suite.request("GET", "/metrics").text
            let prefix = "faas_http_requests_total{route=\"\(route)\",status=\"\(status)\"} "
            return Int(text.split(separator: "\n").first { $0.hasPrefix(prefix) }?.dropFirst(prefix.count) ?? "0") ?? 0
        }
        let invoke413 = try count("invoke", 413), deploy413 = try count("deploy", 413)
        let invoke414 = try count("invoke", 414), deploy501 = try count("deploy", 501), invoke431 = try count("invoke", 431)
        XCTAssertEqual(try suite.invoke(id, String(repeating: "x", count: 2000)).status, 413)
        XCTAssertEqual(try suite.deploy(uniqueName("big"), "python", source: String(repeating: "#", count: 2000)).status, 413)
        XCTAssertEqual(try suite.request("POST", "/invoke?fn=" + String(repeating: "a", count: 20_000)).status, 414)
        XCTAssertEqual(try suite.request("POST", "/deploy?name=x&lang=python", headers: [("Transfer-Encoding", "gzip, chunked")]).status, 501)
        XCTAssertEqual(try suite.request("POST", "/invoke?fn=\(id)", headers: [("X-Big", String(repeating: "h", count: 70_000))]).status, 431)
        XCTAssertEqual(try count("invoke", 413), invoke413 + 1)
        XCTAssertEqual(try count("deploy", 413), deploy413 + 1)
        XCTAssertEqual(try count("invoke", 414), invoke414 + 1)
        XCTAssertEqual(try count("deploy", 501), deploy501 + 1)
        XCTAssertEqual(try count("invoke", 431), invoke431 + 1)
    }
}
