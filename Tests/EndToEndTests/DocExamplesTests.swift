import Foundation
import XCTest

/// The documentation against the real daemons: every ```sh block of README.md and docs/*.md
/// runs with bash, in order, against a suite of its own per page, and every `# -> STATUS BODY`
/// comment is checked against the answer; every relative link and anchor resolves.
///
/// Conventions the pages follow (README "Use it" says so too):
/// - `localhost:8080` is the suite's port, `$KEY` and `$FAAS_API_KEY` the admin key, and
///   `functions/.auth/admin.key` holds it; commands run from a folder where `scripts/` is the
///   repository's.
/// - `# -> 200 {"ok":true, ...}` after a command (on its line or the next) is its answer: the
///   status of its last curl call (if it has one) and the body, JSON compared by shape: the keys
///   shown must be there with those values, `...` allows more keys (or any array), `<...>`
///   stands for any value or, inside a string, any text. Without a curl call the body is the
///   command's output (the wrappers print the body).
/// - A curl call answering 4xx/5xx must be the checked call of a `# ->` showing that status.
/// - A block that cannot run here has `<!-- doctest: skip (why) -->` on the line before it.
final class DocExamplesTests: XCTestCase {
    /// The repository: the folder above this file holding Package.swift.
    static func repository() throws -> URL {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        throw SuiteError.startFailed("Package.swift not found above \(#filePath)")
    }

    /// README.md, then docs/*.md in name order (paths relative to the repository).
    static func pages() throws -> [String] {
        let docs = try FileManager.default.contentsOfDirectory(atPath: try repository().appendingPathComponent("docs").path)
            .filter { $0.hasSuffix(".md") }.sorted().map { "docs/" + $0 }
        return ["README.md"] + docs
    }

    static func text(_ page: String) throws -> String {
        try String(contentsOf: try repository().appendingPathComponent(page), encoding: .utf8)
    }

    // MARK: links

    func testEveryRelativeLinkAndAnchorResolves() throws {
        let root = try Self.repository()
        var checked = 0
        for page in try Self.pages() + ["systemd/README.md"] {
            let text = try Self.text(page)
            for link in DocPage.links(in: text) {
                if link.contains("://") || link.hasPrefix("mailto:") { continue }
                checked += 1
                let parts = link.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                let target = parts[0].isEmpty ? page
                    : URL(fileURLWithPath: page, relativeTo: root).deletingLastPathComponent().appendingPathComponent(parts[0]).standardized.path
                        .replacingOccurrences(of: root.standardized.path + "/", with: "")
                let path = root.appendingPathComponent(target).path
                guard FileManager.default.fileExists(atPath: path) else {
                    XCTFail("\(page): link \(link.debugDescription): \(target) does not exist")
                    continue
                }
                guard parts.count == 2 else { continue }
                guard target.hasSuffix(".md") else {
                    XCTFail("\(page): link \(link.debugDescription): an anchor into a file that is not markdown")
                    continue
                }
                let anchors = DocPage.anchors(in: try String(contentsOfFile: path, encoding: .utf8))
                XCTAssertTrue(anchors.contains(parts[1]), "\(page): link \(link.debugDescription): no heading \(target)#\(parts[1]); it has \(anchors.sorted())")
            }
        }
        XCTAssertGreaterThan(checked, 15, "the pages link to each other")
    }

    // MARK: examples

    func testEveryShellExampleRunsAsDocumented() throws {
        var ran = 0, checks = 0
        var skipped: [String] = []
        for page in try Self.pages() {
            let blocks = DocPage.shellBlocks(in: try Self.text(page))
            for block in blocks where block.skipReason != nil {
                let reason = block.skipReason ?? ""
                XCTAssertFalse(reason.isEmpty, "\(page):\(block.line): a skipped block says why: <!-- doctest: skip (why) -->")
                skipped.append("\(page):\(block.line) \(reason)")
            }
            let runnable = blocks.filter { $0.skipReason == nil }
            guard !runnable.isEmpty else { continue }
            let suite = try FaaSSuite(name: "doc-\(page.split(separator: "/").last ?? "")")
            defer {
                suite.stop()
                suite.removeFiles()
            }
            let runner = try DocExampleRunner(suite: suite, repository: try Self.repository())
            for block in runnable {
                let outcome = try runner.run(block)
                ran += 1
                checks += outcome.checks
                for failure in outcome.failures { XCTFail("\(page):\(block.line): \(failure)") }
            }
            if testRun?.totalFailureCount ?? 0 > 0 { print(suite.logTails()) }
        }
        print("doc examples: \(ran) blocks run, \(checks) answers checked; \(skipped.count) skipped: \(skipped.joined(separator: "; "))")
        XCTAssertGreaterThanOrEqual(ran, 8, "the pages' examples ran")
        XCTAssertGreaterThanOrEqual(checks, 40, "the pages' answers were checked")
        XCTAssertEqual(skipped.count, 3, "blocks marked skip (the two commands, scripts/run -d, scripts/bench): \(skipped)")
    }

    /// The checker itself: a drifted answer, a drifted status, an undocumented error answer and
    /// a failing command are each reported.
    func testADriftedExampleIsReported() throws {
        let suite = try FaaSSuite(name: "doc-drift")
        defer {
            suite.stop()
            suite.removeFiles()
        }
        let runner = try DocExampleRunner(suite: suite, repository: try Self.repository())
        let good = DocPage.shellBlocks(in: """
            ```sh
            curl -s -u admin:$KEY -X POST --data-binary 'print("same")' 'localhost:8080/deploy?name=drift&lang=python'
            # -> 201 {"id":"drift_<unixtime>", ...}
            scripts/invoke.sh drift   # -> {"ok":true,"output":"same\\n"}
            ```
            """)
        XCTAssertEqual(try runner.run(good[0]).failures, [], "the faithful example passes")
        let drifted: [(String, String)] = [
            ("curl -s -u admin:$KEY -X POST 'localhost:8080/invoke?fn=drift'\n# -> 200 {\"ok\":true,\"output\":\"other\\n\"}", "output"),
            ("curl -s -u admin:$KEY -X POST 'localhost:8080/invoke?fn=drift'\n# -> 201 {\"ok\":true, ...}", "status 200"),
            ("curl -s -u admin:$KEY -X POST 'localhost:8080/invoke?fn=drift'\n# -> 200 {\"ok\":true}", "keys"),
            ("curl -s -u admin:$KEY -X POST 'localhost:8080/invoke?fn=nothing-here'", "404"),
            ("scripts/invoke.sh nothing-here", "exit"),
        ]
        for (body, expected) in drifted {
            let block = DocPage.shellBlocks(in: "```sh\n\(body)\n```\n")[0]
            let failures = try runner.run(block).failures
            XCTAssertFalse(failures.isEmpty, "a drift is reported: \(body)")
            XCTAssertTrue(failures.joined().contains(expected), "\(body): \(failures)")
        }
    }
}
