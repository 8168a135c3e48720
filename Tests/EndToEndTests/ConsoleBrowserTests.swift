import Foundation
import XCTest

/// The console in a real browser: Tests/ui/test_console.py (Selenium driving Debian's headless
/// chromium through chromedriver, installed by scripts/setup into .tools/ui-venv) against a
/// real suite started here, with API keys and with FAAS_AUTH=off, and (its own method) logs and
/// versions. Screenshots of each page at
/// desktop and phone width go to .build/ui-screenshots/. A missing browser or driver fails.
final class ConsoleBrowserTests: OwnSuiteTestCase {
    func testConsoleWithAPIKeys() throws {
        let suite = try FaaSSuite(name: "ui-keys")
        self.suite = suite
        try runBrowserTests(port: suite.port, key: FaaSSuite.adminKey)
    }

    func testConsoleWithAuthOff() throws {
        var options = FaaSSuite.Options()
        options.environment["FAAS_AUTH"] = "off"
        let suite = try FaaSSuite(name: "ui-open", options: options)
        self.suite = suite
        try runBrowserTests(port: suite.port, key: "")
    }

    /// A function's logs followed live in the page and a roll back to version 1: needs the
    /// logs route (branch fnroute), the worker's captured stderr (branch conventions) and the
    /// versions API (branch bundles) of /work/wt/CONTRACT-12.md; it fails on a gateway without them.
    func testLogsAndRollbackInTheBrowser() throws {
        let suite = try FaaSSuite(name: "ui-live")
        self.suite = suite
        try runBrowserTests(port: suite.port, key: FaaSSuite.adminKey, suite: "live")
    }

    private func runBrowserTests(port: Int, key: String, suite: String = "") throws {
        let repository = try DocExamplesTests.repository()
        let python = repository.appendingPathComponent(".tools/ui-venv/bin/python").path
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: python), "\(python) is missing: run scripts/setup")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-B", repository.appendingPathComponent("Tests/ui/test_console.py").path]
        process.currentDirectoryURL = repository
        var environment = ProcessInfo.processInfo.environment
        environment["FAAS_UI_URL"] = "http://127.0.0.1:\(port)/ui/"
        environment["FAAS_UI_KEY"] = key
        environment["FAAS_UI_SCREENSHOTS"] = repository.appendingPathComponent(".build/ui-screenshots").path
        environment["PYTHONUNBUFFERED"] = "1"
        environment["FAAS_UI_SUITE"] = suite
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        print(text)
        XCTAssertEqual(process.terminationStatus, 0, "the browser tests failed:\n\(text)")
    }
}
