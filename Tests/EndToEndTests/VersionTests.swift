import Foundation
import XCTest

/// Updates keep a function's settings; versions are listed and an older one can be made
/// current again (a new version), within a bounded history.
final class VersionTests: SuiteTestCase {
    override class var suiteOptions: FaaSSuite.Options {
        var options = FaaSSuite.Options()
        options.environment = ["FAAS_MAX_VERSIONS": "3"]
        return options
    }

    private func put(_ name: String, _ source: String, query: String = "") throws -> [String: Any] {
        let response = try suite.request("PUT", "/function/\(name)\(query.isEmpty ? "" : "?" + query)", body: source)
        XCTAssertEqual(response.status, 201, "\(response)")
        return try response.json()
    }

    /// The bug first: a PUT used to drop timeout and memory (and concurrency).
    func testUpdateKeepsEverySetting() throws {
        let suite = try suite
        let name = uniqueName("keep")
        let first = try suite.deploy(name, "python", source: "def handler(p):\n    return 'v1'\n",
                                     query: "&timeout=7&memory=96&concurrency=2&env=A=1&public=true")
        XCTAssertEqual(first.status, 201, "\(first)")
        let second = try put(name, "def handler(p):\n    return 'v2'\n")
        XCTAssertEqual(second["version"] as? Int, 2)
        XCTAssertEqual(second["timeout"] as? Double, 7)
        XCTAssertEqual(second["memory"] as? Int, 96)
        XCTAssertEqual(second["concurrency"] as? Int, 2)
        XCTAssertEqual(second["env"] as? [String: String], ["A": "1"])
        XCTAssertEqual(second["public"] as? Bool, true)
        // Only what the request names changes.
        let third = try put(name, "def handler(p):\n    return 'v3'\n", query: "timeout=3")
        XCTAssertEqual(third["timeout"] as? Double, 3)
        XCTAssertEqual(third["memory"] as? Int, 96)
        XCTAssertEqual(third["public"] as? Bool, true)
        XCTAssertEqual(try suite.invokeText(name, ""), "v3")
        // A mode chosen at deploy stays while it fits the new source.
        let command = uniqueName("keepmode")
        let deployed = try suite.deploy(command, "python", source: "def handler(p):\n    return 'x'\nprint('script')\n", query: "&mode=command")
        XCTAssertEqual(try deployed.json()["mode"] as? String, "command")
        XCTAssertEqual(try put(command, "def handler(p):\n    return 'y'\nprint('script 2')\n")["mode"] as? String, "command")
        XCTAssertEqual(try suite.invokeText(command, ""), "script 2\n")
        // A bundle's entry file and handler name stay too.
        let bundled = uniqueName("keepentry")
        let initial = try suite.deploy(bundled, "python", source: try ArchiveMaker.zip([("src/fn.py", "def handler(p):\n    return 'b1'\n")]),
                                     query: "&entrypoint=src/fn.handler")
        XCTAssertEqual(initial.status, 201, "\(initial)")
        let next = try suite.request("PUT", "/function/\(bundled)", body: try ArchiveMaker.zip([("src/fn.py", "def handler(p):\n    return 'b2'\n"),
                                                                                            ("main.py", "print('not me')\n")]))
        XCTAssertEqual(next.status, 201, "\(next)")
        XCTAssertEqual(try next.json()["entry_file"] as? String, "src/fn.py")
        XCTAssertEqual(try next.json()["entrypoint"] as? String, "handler")
        XCTAssertEqual(try suite.invokeText(bundled, ""), "b2")
    }

    func testVersionsAndRollback() throws {
        let suite = try suite
        let name = uniqueName("roll")
        let v1 = try suite.deployOK(name, "python", source: "def handler(p):\n    return 'one'\n", query: "&timeout=9")
        _ = try put(name, "def handler(p):\n    return 'two'\n", query: "timeout=4")
        let listed = try suite.request("GET", "/function/\(name)/versions")
        XCTAssertEqual(listed.status, 200)
        let versions = try XCTUnwrap(try listed.json()["versions"] as? [[String: Any]])
        XCTAssertEqual(versions.map { $0["version"] as? Int }, [1, 2])
        XCTAssertEqual(versions.map { $0["current"] as? Bool }, [false, true])
        XCTAssertEqual(versions.first?["id"] as? String, v1)
        XCTAssertEqual(versions.first?["timeout"] as? Double, 9)
        XCTAssertNotNil(versions.first?["created_at"] as? String)

        let rolled = try suite.request("POST", "/function/\(name)/rollback?version=1")
        XCTAssertEqual(rolled.status, 201, "\(rolled)")
        XCTAssertEqual(try rolled.json()["version"] as? Int, 3)
        XCTAssertEqual(try rolled.json()["timeout"] as? Double, 9)
        XCTAssertEqual(try suite.invokeText(name, ""), "one")
        XCTAssertEqual(try suite.request("GET", "/function/\(name)").text, "def handler(p):\n    return 'one'\n")
        // By an id too; refusals.
        XCTAssertEqual(try suite.request("GET", "/function/\(v1)/versions").status, 200)
        XCTAssertEqual(try suite.request("POST", "/function/\(name)/rollback?version=99").status, 404)
        XCTAssertEqual(try suite.request("POST", "/function/\(name)/rollback").status, 400)
        XCTAssertEqual(try suite.request("POST", "/function/no-such-fn/rollback?version=1").status, 404)
        XCTAssertEqual(try suite.request("GET", "/function/\(name)/versions?x=1").status, 400)
        XCTAssertEqual(try suite.request("DELETE", "/function/\(name)/versions").status, 405)

        // At most FAAS_MAX_VERSIONS (3) are kept: the fourth removes the oldest, folder and all.
        _ = try put(name, "def handler(p):\n    return 'four'\n")
        let kept = try XCTUnwrap(try suite.request("GET", "/function/\(name)/versions").json()["versions"] as? [[String: Any]])
        XCTAssertEqual(kept.map { $0["version"] as? Int }, [2, 3, 4])
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(suite.functionsDirectory)/\(v1)"))
        XCTAssertEqual(try suite.request("POST", "/function/\(name)/rollback?version=1").status, 404)
    }

    /// A bundle version rolls back whole (its archive and tree), as does a compiled one.
    func testRollbackOfABundleAndACompiledFunction() throws {
        let suite = try suite
        let name = uniqueName("rollbundle")
        let archive = try ArchiveMaker.zip([("main.py", "from lib import X\ndef handler(p):\n    return X\n"), ("lib.py", "X = 'bundled'\n")])
        XCTAssertEqual(try suite.deploy(name, "python", source: archive).status, 201)
        _ = try put(name, "def handler(p):\n    return 'plain'\n")
        XCTAssertEqual(try suite.request("POST", "/function/\(name)/rollback?version=1").status, 201)
        XCTAssertEqual(try suite.invokeText(name, ""), "bundled")
        XCTAssertEqual(try suite.request("GET", "/function/\(name)").body, archive)

        let go = uniqueName("rollgo")
        _ = try suite.deployOK(go, "go", source: "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Print(\"go one\") }\n")
        _ = try put(go, "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Print(\"go two\") }\n")
        XCTAssertEqual(try suite.invokeText(go, ""), "go two")
        XCTAssertEqual(try suite.request("POST", "/function/\(go)/rollback?version=1").status, 201)
        XCTAssertEqual(try suite.invokeText(go, ""), "go one")
    }
}
