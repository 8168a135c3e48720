import XCTest

@testable import FaaSSystem

final class SettingsTests: XCTestCase {
    private let known = [CommonSettings.port, CommonSettings.workers, CommonSettings.strategy, CommonSettings.lbSocket,
                         CommonSettings.logLevel, CommonSettings.timeout]

    private func settings(_ arguments: [String], _ environment: [String: String] = [:]) throws -> Settings {
        try Settings(arguments: arguments, environment: environment, known: known, program: "test")
    }

    func testDefaults() throws {
        let s = try settings([])
        XCTAssertEqual(s.string(CommonSettings.port), "8080")
        XCTAssertEqual(s.string(CommonSettings.lbSocket), "/tmp/faas_lb.sock")
        XCTAssertEqual(try s.integer(CommonSettings.workers, in: 1...256), 4)
        XCTAssertEqual(s.string(CommonSettings.strategy), "rr")
    }

    func testEnvironmentBeatsDefault() throws {
        let s = try settings([], ["FAAS_PORT": "9000", "FAAS_WORKERS": "8"])
        XCTAssertEqual(s.string(CommonSettings.port), "9000")
        XCTAssertEqual(try s.integer(CommonSettings.workers, in: 1...256), 8)
        XCTAssertEqual(s.string(CommonSettings.strategy), "rr", "unset variables keep the default")
    }

    func testFlagBeatsEnvironment() throws {
        let s = try settings(["--port", "7000", "--workers=2"], ["FAAS_PORT": "9000", "FAAS_WORKERS": "8", "FAAS_LB_STRATEGY": "fifo"])
        XCTAssertEqual(s.string(CommonSettings.port), "7000")
        XCTAssertEqual(try s.integer(CommonSettings.workers, in: 1...256), 2)
        XCTAssertEqual(s.string(CommonSettings.strategy), "fifo")
    }

    func testEqualsForm() throws {
        let s = try settings(["--lb-sock=/run/x=y.sock", "--strategy=weighted"])
        XCTAssertEqual(s.string(CommonSettings.lbSocket), "/run/x=y.sock", "only the first = separates name and value")
        XCTAssertEqual(s.string(CommonSettings.strategy), "weighted")
        let empty = try settings(["--strategy="])
        XCTAssertEqual(empty.string(CommonSettings.strategy), "", "an explicit empty value is a value")
    }

    func testLastFlagWins() throws {
        let s = try settings(["--port", "1", "--port", "2"])
        XCTAssertEqual(s.string(CommonSettings.port), "2")
    }

    func testValueMayLookLikeAFlag() throws {
        let s = try settings(["--lb-sock", "--port"])
        XCTAssertEqual(s.string(CommonSettings.lbSocket), "--port")
        XCTAssertEqual(s.string(CommonSettings.port), "8080")
    }

    func testUnknownFlagThrows() {
        XCTAssertThrowsError(try settings(["--nope", "1"])) { error in
            guard case SettingsError.unknownFlag(let flag)? = error as? SettingsError else { return XCTFail("\(error)") }
            XCTAssertEqual(flag, "--nope")
        }
        XCTAssertThrowsError(try settings(["--nope=1"]))
        XCTAssertThrowsError(try settings(["port", "1"]), "a bare word is not a flag")
        XCTAssertThrowsError(try settings(["-p", "1"]))
    }

    func testMissingValueThrows() {
        XCTAssertThrowsError(try settings(["--workers", "2", "--port"])) { error in
            guard case SettingsError.missingValue(let flag)? = error as? SettingsError else { return XCTFail("\(error)") }
            XCTAssertEqual(flag, "port")
        }
    }

    func testHelpIsReported() {
        XCTAssertThrowsError(try settings(["--help"])) { error in
            guard case SettingsError.helpRequested(let usage)? = error as? SettingsError else { return XCTFail("\(error)") }
            XCTAssertTrue(usage.contains("--port"))
            XCTAssertTrue(usage.contains("FAAS_PORT"))
        }
    }

    func testTypedAccessorsValidate() throws {
        XCTAssertThrowsError(try settings(["--workers", "0"]).integer(CommonSettings.workers, in: 1...256))
        XCTAssertThrowsError(try settings(["--workers", "four"]).integer(CommonSettings.workers, in: 1...256))
        XCTAssertThrowsError(try settings(["--timeout", "-1"]).number(CommonSettings.timeout, in: 0.001...86_400))
        XCTAssertEqual(try settings(["--timeout", "2.5"]).number(CommonSettings.timeout, in: 0.001...86_400), 2.5)
        XCTAssertEqual(try settings(["--log-level", "WARNING"]).logLevel(CommonSettings.logLevel), .warn)
        XCTAssertThrowsError(try settings(["--log-level", "loud"]).logLevel(CommonSettings.logLevel))
    }
}
