@testable import FaaSWasm
import Foundation
import Glibc
import XCTest

nonisolated(unsafe) private var ticks = 0
private let tickLock = NSLock()

/// The ticker advances the epoch only when a running call's time is up.
final class EpochTickerTests: XCTestCase {
    private func count() -> Int { tickLock.lock(); defer { tickLock.unlock() }; return ticks }

    func testTicksOnceWhenARunningCallsTimeIsUpAndNeverForCallsThatEndInTime() throws {
        tickLock.lock(); ticks = 0; tickLock.unlock()
        let engine = OpaquePointer(bitPattern: 0x1000)!
        let ticker = try EpochTicker(engine: engine, increment: { _ in tickLock.lock(); ticks += 1; tickLock.unlock() })
        defer { ticker.stop() }
        // Calls that end in time: no tick, however many.
        for _ in 0..<200 {
            ticker.begin(seconds: 0.05)
            ticker.end()
        }
        usleep(150_000)
        XCTAssertEqual(count(), 0, "calls that ended in time cost no tick")
        // A call past its time: exactly one tick, soon after.
        ticker.begin(seconds: 0.05)
        let start = Date()
        while count() == 0 && Date().timeIntervalSince(start) < 5 { usleep(2_000) }
        XCTAssertEqual(count(), 1)
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(start), 0.04, "not before its time")
        usleep(150_000)
        XCTAssertEqual(count(), 1, "one tick per call past its time")
        ticker.end()
        // After a long idle wait, a later call still gets its tick.
        ticker.begin(seconds: 0.02)
        let again = Date()
        while count() == 1 && Date().timeIntervalSince(again) < 5 { usleep(2_000) }
        XCTAssertEqual(count(), 2)
        ticker.end()
    }
}
