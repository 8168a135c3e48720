import Foundation
import XCTest

/// The settings table (docs/settings.md) against the real daemons: every row is accepted, as a flag and
/// as an environment variable, by each daemon its "read by" column names (and refused by the
/// others), and every setting a daemon accepts has a row naming it.
final class SettingsTableTests: XCTestCase {
    struct Row {
        let flag: String
        let environment: String
        let defaultCell: String
        let readBy: [String]
    }

    static let daemons = ["gateway": "faas-gateway", "server": "faas-server", "load balancer": "faas-load-balancer", "worker": "faas-worker"]

    /// Values for rows whose default is not a literal.
    static let samples = ["worker-path": "/opt/minifaas/bin/faas-worker", "wasm-library": "/opt/minifaas/lib/libwasmtime.so",
                          "clang": "/opt/swift/usr/bin/clang", "wasm-ld": "/usr/bin/wasm-ld", "python": "/usr/bin/python3",
                          "admin-key": "sample-admin-key-0123456789", "jwt-secret": "sample-jwt-secret-0123456789abcdef0123",
                          "jwt-public-key": "/etc/minifaas/jwt.pem", "jwt-issuer": "https://issuer.example", "jwt-audience": "minifaas",
                          "trusted-proxies": "127.0.0.1", "callback-allow": "127.0.0.1/32"]

    /// docs/settings.md, found above this file.
    static func settingsPage() throws -> String {
        try String(contentsOf: DocExamplesTests.repository().appendingPathComponent("docs/settings.md"), encoding: .utf8)
    }

    /// The rows of the page's table (flag, environment, default, read by, meaning).
    static func rows() throws -> [Row] {
        let text = try settingsPage()
        guard let start = text.range(of: "# Settings\n") else { throw SuiteError.startFailed("no # Settings title in docs/settings.md") }
        let section = text[start.upperBound...]
        var rows: [Row] = []
        var header: [String]?
        for line in section.split(separator: "\n") where line.hasPrefix("|") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                .map { $0.trimmingCharacters(in: .whitespaces) }
            if header == nil { header = cells; continue }
            guard let first = cells.first, first.hasPrefix("`--") else { continue }
            rows.append(Row(flag: String(first.dropFirst(3).dropLast()), environment: cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`")),
                            defaultCell: cells[2], readBy: cells[3].components(separatedBy: ", ")))
        }
        XCTAssertEqual(header, ["flag", "environment", "default", "read by", "meaning"], "the settings table's columns")
        return rows
    }

    private func sample(_ row: Row) -> String? {
        let cell = row.defaultCell
        if cell.hasPrefix("`"), cell.hasSuffix("`"), cell.count > 2, !cell.dropFirst().dropLast().contains("`") {
            return String(cell.dropFirst().dropLast())
        }
        return Self.samples[row.flag]
    }

    func testEveryRowIsAcceptedAsFlagAndVariableByTheDaemonsThatReadIt() throws {
        let rows = try Self.rows()
        XCTAssertGreaterThan(rows.count, 25, "the settings table has its rows")
        for row in rows {
            XCTAssertFalse(row.readBy.isEmpty, row.flag)
            for daemon in row.readBy {
                XCTAssertNotNil(Self.daemons[daemon], "--\(row.flag): unknown daemon \(daemon.debugDescription) in \"read by\"")
            }
            guard let value = sample(row) else {
                XCTFail("--\(row.flag): its default is not a literal; add a sample value to SettingsTableTests.samples")
                continue
            }
            for (name, executable) in Self.daemons.sorted(by: { $0.key < $1.key }) {
                let byFlag = try ExecutableRun.run(executable, ["--check-config", "--\(row.flag)", value])
                if row.readBy.contains(name) {
                    XCTAssertEqual(byFlag.status, 0, "\(executable) --\(row.flag) \(value): \(byFlag)")
                    XCTAssertTrue(byFlag.output.contains("--\(row.flag)=\(value) [flag]\n"), "\(executable) --\(row.flag): \(byFlag)")
                    let byVariable = try ExecutableRun.run(executable, ["--check-config"], environment: [row.environment: value])
                    XCTAssertEqual(byVariable.status, 0, "\(row.environment)=\(value) \(executable): \(byVariable)")
                    XCTAssertTrue(byVariable.output.contains("--\(row.flag)=\(value) [environment \(row.environment)]\n"),
                                  "\(row.environment)=\(value) \(executable): \(byVariable)")
                } else {
                    // Not read there: refused, never silently ignored.
                    XCTAssertEqual(byFlag.status, 2, "\(executable) does not read --\(row.flag) (docs/settings.md), yet: \(byFlag)")
                    XCTAssertTrue(byFlag.output.contains("unknown option --\(row.flag)"), "\(executable): \(byFlag)")
                }
            }
        }
    }

    func testEverySettingADaemonAcceptsHasARowNamingIt() throws {
        let rows = try Self.rows()
        for (name, executable) in Self.daemons.sorted(by: { $0.key < $1.key }) {
            let help = try ExecutableRun.run(executable, ["--help"])
            XCTAssertEqual(help.status, 0, "\(executable) --help: \(help)")
            // Internal arguments (one daemon starting another) come after their own heading.
            let settings = help.output.components(separatedBy: "\ninternal ").first ?? ""
            let flags = settings.split(separator: "\n").compactMap { line -> String? in
                guard line.hasPrefix("  --"), line.hasSuffix(" VALUE") else { return nil }
                return String(line.dropFirst(4).dropLast(6))
            }
            XCTAssertFalse(flags.isEmpty, "\(executable) --help lists its settings: \(help)")
            for flag in flags {
                guard let row = rows.first(where: { $0.flag == flag }) else {
                    XCTFail("\(executable) accepts --\(flag), which the settings table (docs/settings.md) does not document")
                    continue
                }
                XCTAssertTrue(row.readBy.contains(name), "\(executable) reads --\(flag), but its row says read by \(row.readBy)")
                XCTAssertTrue(settings.contains("(env \(row.environment),"), "\(executable) --\(flag) reads \(row.environment)")
            }
        }
    }

    func testABadValueIsReportedUnderTheNameTheUserSet() throws {
        let byVariable = try ExecutableRun.run("faas-gateway", ["--check-config"], environment: ["FAAS_MAX_BODY": "abc"])
        XCTAssertEqual(byVariable.status, 2, "\(byVariable)")
        XCTAssertTrue(byVariable.output.contains(#"invalid FAAS_MAX_BODY "abc""#), "\(byVariable)")
        let byFlag = try ExecutableRun.run("faas-gateway", ["--check-config", "--max-body", "abc"], environment: ["FAAS_MAX_BODY": "12"])
        XCTAssertEqual(byFlag.status, 2, "\(byFlag)")
        XCTAssertTrue(byFlag.output.contains(#"invalid --max-body "abc""#), "\(byFlag)")
        // Checked even where the daemon only hands the value on (the server, for its workers).
        let handedOn = try ExecutableRun.run("faas-server", ["--check-config"], environment: ["FAAS_SANDBOX": "maybe"])
        XCTAssertEqual(handedOn.status, 2, "\(handedOn)")
        XCTAssertTrue(handedOn.output.contains(#"invalid FAAS_SANDBOX "maybe": expected bwrap or none"#), "\(handedOn)")
        // Over the documented range.
        let overRange = try ExecutableRun.run("faas-load-balancer", ["--check-config", "--queue-size", "0"])
        XCTAssertEqual(overRange.status, 2, "\(overRange)")
        XCTAssertTrue(overRange.output.contains(#"invalid --queue-size "0""#), "\(overRange)")
    }

    /// issue 17: the ranges were nowhere in the docs. Every range a row states, `(MIN-MAX)` or
    /// `MIN to 16 MiB`, is the one its daemon enforces: both ends accepted, just beyond refused.
    func testEveryDocumentedRangeIsTheEnforcedOne() throws {
        let pattern = try NSRegularExpression(pattern: #"(?<![\w.])(\d+(?:\.\d+)?)(?:-| to )(\d+(?:\.\d+)?|16 MiB)(?=[;):]|\s*\|)"#)
        var checked = 0
        for row in try Self.rows() {
            let meaning = try XCTUnwrap(try Self.meaning(of: row.flag))
            guard let match = pattern.matches(in: meaning, range: NSRange(meaning.startIndex..., in: meaning)).last,
                  let low = Range(match.range(at: 1), in: meaning), let high = Range(match.range(at: 2), in: meaning),
                  let daemon = row.readBy.first.flatMap({ Self.daemons[$0] }) else { continue }
            let minimum = String(meaning[low])
            let maximum = meaning[high] == "16 MiB" ? String(16 << 20) : String(meaning[high])
            let integral = !minimum.contains(".") && !maximum.contains(".")
            let below = integral ? String((Int(minimum) ?? 0) - 1) : String((Double(minimum) ?? 0) / 2)
            let above = integral ? String((Int(maximum) ?? 0) + 1) : String((Double(maximum) ?? 0) * 2)
            for (value, status) in [(minimum, Int32(0)), (maximum, 0), (below, 2), (above, 2)] {
                let run = try ExecutableRun.run(daemon, ["--check-config", "--\(row.flag)", value])
                XCTAssertEqual(run.status, status, "\(daemon) --\(row.flag) \(value) (documented \(minimum) to \(maximum)): \(run)")
            }
            checked += 1
        }
        XCTAssertGreaterThanOrEqual(checked, 19, "the rows state their ranges")
    }

    /// The meaning cell of a row.
    static func meaning(of flag: String) throws -> String? {
        try settingsPage().split(separator: "\n").first { $0.hasPrefix("| `--\(flag)` |") }
            .map { $0.split(separator: "|", omittingEmptySubsequences: false).dropFirst(5).joined(separator: "|") }
    }
}
