import XCTest

/// For tests that each start a suite of their own (start-up and shutdown behaviour): the suite
/// a test sets is stopped and removed after it, with the daemons' logs printed on failure.
class OwnSuiteTestCase: XCTestCase {
    var suite: FaaSSuite?

    override func tearDown() {
        if let suite, let run = testRun, run.totalFailureCount > 0 { print(suite.logTails()) }
        suite?.stop()
        suite?.removeFiles()
        suite = nil
        super.tearDown()
    }

    /// Options for a suite with `count` workers.
    func workers(_ count: Int) -> FaaSSuite.Options {
        var options = FaaSSuite.Options()
        options.workers = count
        return options
    }
}
