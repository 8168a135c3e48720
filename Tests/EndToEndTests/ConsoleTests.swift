import Foundation
import XCTest

/// The web console's files as the gateway serves them at `/ui/`: open without a key, typed,
/// revalidated by ETag, under a Content-Security-Policy, 404 for anything not in the table
/// (traversal attempts included), small.
final class ConsoleTests: SuiteTestCase {
    static let files = ["index.html": "text/html", "console.css": "text/css", "app.js": "text/javascript", "api.js": "text/javascript",
                        "favicon.svg": "image/svg+xml", "overview.js": "text/javascript", "highlight.js": "text/javascript"]

    func testConsoleIsServedWithoutAKeyWithTypeValidatorAndPolicy() throws {
        let suite = try suite
        let index = try suite.request("GET", "/ui/", authorized: false)
        XCTAssertEqual(index.status, 200, index.text)
        XCTAssertEqual(index.header("Content-Type"), "text/html; charset=utf-8")
        XCTAssertTrue(index.text.contains(#"<script type="module" src="app.js"></script>"#), index.text)
        XCTAssertEqual(index.header("Cache-Control"), "no-cache")
        XCTAssertTrue(index.header("Content-Security-Policy")?.hasPrefix("default-src 'self'") == true, "\(index.headers)")
        XCTAssertEqual(index.header("X-Content-Type-Options"), "nosniff")
        for (name, type) in Self.files {
            let answer = try suite.request("GET", "/ui/" + name, authorized: false)
            XCTAssertEqual(answer.status, 200, name)
            XCTAssertTrue(answer.header("Content-Type")?.hasPrefix(type) == true, "\(name): \(answer.headers)")
            XCTAssertNotNil(answer.header("ETag"), name)
            XCTAssertNotNil(answer.header("Content-Security-Policy"), name)
            XCTAssertFalse(answer.body.isEmpty, name)
        }
        let redirect = try suite.request("GET", "/ui", authorized: false)
        XCTAssertEqual(redirect.status, 301)
        XCTAssertEqual(redirect.header("Location"), "/ui/")
    }

    func testUnchangedFileAnswers304ByETag() throws {
        let suite = try suite
        let first = try suite.request("GET", "/ui/app.js", authorized: false)
        let etag = try XCTUnwrap(first.header("ETag"))
        let again = try suite.request("GET", "/ui/app.js", headers: [("If-None-Match", etag)], authorized: false)
        XCTAssertEqual(again.status, 304)
        XCTAssertTrue(again.body.isEmpty)
        XCTAssertEqual(again.header("ETag"), etag)
        let other = try suite.request("GET", "/ui/app.js", headers: [("If-None-Match", "\"something-else\"")], authorized: false)
        XCTAssertEqual(other.status, 200)
        XCTAssertEqual(other.body, first.body)
        let head = try suite.request("HEAD", "/ui/console.css", authorized: false)
        XCTAssertEqual(head.status, 200)
        XCTAssertTrue(head.body.isEmpty)
    }

    func testUnknownNamesAndTraversalAre404() throws {
        let suite = try suite
        for path in ["/ui/nope.js", "/ui/../Package.swift", "/ui/%2e%2e/Package.swift", "/ui/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
                     "/ui/UI/app.js", "/ui//app.js", "/ui/app.js/", "/ui/..%2fGateway.swift", "/ui/ConsoleAssets.swift", "/ui/README.md"] {
            let answer = try suite.request("GET", path, authorized: false)
            XCTAssertEqual(answer.status, 404, "\(path): \(answer.text)")
            XCTAssertFalse(answer.text.contains("import "), path)
        }
        let post = try suite.request("POST", "/ui/app.js", body: Data("x".utf8), authorized: false)
        XCTAssertEqual(post.status, 405)
        let query = try suite.request("GET", "/ui/app.js?x=1", authorized: false)
        XCTAssertEqual(query.status, 400)
    }

    func testTheAPIStillNeedsAKeyAndRefusesForeignOrigins() throws {
        let suite = try suite
        XCTAssertEqual(try suite.request("GET", "/functions", authorized: false).status, 401)
        let foreign = try suite.request("GET", "/functions", headers: [("Origin", "http://evil.example")])
        XCTAssertEqual(foreign.status, 403, foreign.text)
        let same = try suite.request("GET", "/functions", headers: [("Origin", "http://127.0.0.1:\(suite.port)")])
        XCTAssertEqual(same.status, 200, same.text)
    }

    func testEveryFileIsSmallEnoughForTheBudget() throws {
        let suite = try suite
        var total = 0
        for name in ["index.html", "console.css", "favicon.svg", "app.js", "api.js", "dom.js", "highlight.js", "metrics.js", "charts.js",
                     "functions.js", "function.js", "deploy.js", "overview.js", "invocations.js"] {
            let answer = try suite.request("GET", "/ui/" + name, authorized: false)
            XCTAssertEqual(answer.status, 200, name)
            total += answer.body.count
        }
        // Every page loads at most all of these: under 100 KB with room to spare.
        XCTAssertLessThan(total, 100 * 1024, "the console's files weigh \(total) bytes")
    }
}
