import XCTest

@testable import FaaSGateway

final class AdmissionTests: XCTestCase {
    func testOneClientCannotTakeEveryConnection() {
        var admission = Admission(limits: Admission.Limits(maxConnections: 100, healthReserve: 16, perClientConnections: 5))
        for _ in 0..<5 { XCTAssertEqual(admission.openConnection("10.0.0.1"), .accept) }
        XCTAssertEqual(admission.openConnection("10.0.0.1"), .clientFull)
        XCTAssertEqual(admission.openConnection("10.0.0.2"), .accept, "another address is not affected")
        admission.closeConnection("10.0.0.1")
        XCTAssertEqual(admission.openConnection("10.0.0.1"), .accept, "a closed one frees a place")
        XCTAssertEqual(admission.connections, 6)
    }

    func testLastSlotsAreKeptForHealthThenFull() {
        var admission = Admission(limits: Admission.Limits(maxConnections: 20, healthReserve: 16, perClientConnections: 1000))
        var verdicts: [Admission.ConnectionVerdict] = []
        for _ in 0..<21 { verdicts.append(admission.openConnection("c")) }
        // A tenth of 20: two slots for /health.
        XCTAssertEqual(verdicts.filter { $0 == .accept }.count, 18)
        XCTAssertEqual(Array(verdicts[18..<20]), [.healthOnly, .healthOnly])
        XCTAssertEqual(verdicts.last, .full)
    }

    func testRequestsInFlightPerClient() {
        var admission = Admission(limits: Admission.Limits(perClientRequests: 2))
        XCTAssertTrue(admission.startRequest("a"))
        XCTAssertTrue(admission.startRequest("a"))
        XCTAssertFalse(admission.startRequest("a"))
        XCTAssertTrue(admission.startRequest("b"))
        admission.finishRequest("a")
        XCTAssertTrue(admission.startRequest("a"))
    }

    func testBodyMemoryIsBoundedInTotalAndPerClient() {
        let mib = 1 << 20
        var admission = Admission(limits: Admission.Limits(bodyMemory: 64 * mib, perClientBodyMemory: 32 * mib))
        for _ in 0..<4 { XCTAssertTrue(admission.reserveBody(8 * mib, for: "a")) }
        XCTAssertFalse(admission.reserveBody(8 * mib, for: "a"), "a holds its half")
        for _ in 0..<4 { XCTAssertTrue(admission.reserveBody(8 * mib, for: "b")) }
        XCTAssertFalse(admission.reserveBody(1, for: "c"), "the total is held")
        XCTAssertEqual(admission.bodyHeld, 64 * mib)
        admission.releaseBody(8 * mib, for: "a")
        XCTAssertTrue(admission.reserveBody(8 * mib, for: "c"))
        for _ in 0..<3 { admission.releaseBody(8 * mib, for: "a") }
        for _ in 0..<4 { admission.releaseBody(8 * mib, for: "b") }
        admission.releaseBody(8 * mib, for: "c")
        XCTAssertEqual(admission.bodyHeld, 0)
        XCTAssertEqual(admission.bodyHeld(by: "a"), 0)
        XCTAssertTrue(admission.reserveBody(100 * mib, for: "big"), "one request alone may always proceed, whatever its size")
        XCTAssertFalse(admission.reserveBody(1, for: "other"))
    }
}
