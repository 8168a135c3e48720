import Glibc
import XCTest

@testable import FaaSSystem

final class KernelFileTests: XCTestCase {
    /// A /proc file hands out about a page per read(2). Foundation's String(contentsOfFile:)
    /// kept only the first: in a podman pod whose /proc/self/mountinfo passed 4 KiB the
    /// workers lost the cgroup mounts past it ("no cgroup v1 pids hierarchy").
    func testAProcFileLongerThanAPageIsReadWhole() throws {
        // This process's memory map is several pages long (every library mapped, the heap,
        // the stacks); its last line, read through stdio, is the one a one-page read loses.
        var stdioLines: [String] = []
        let stream = try XCTUnwrap(fopen("/proc/self/maps", "r"))
        defer { fclose(stream) }
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        while getline(&line, &capacity, stream) > 0, let line { stdioLines.append(String(cString: line)) }
        free(line)
        let stdioBytes = stdioLines.reduce(0) { $0 + $1.utf8.count }
        XCTAssertGreaterThan(stdioBytes, 2 * 4096, "the test needs a /proc file of several pages")

        let text = try XCTUnwrap(KernelFile.text("/proc/self/maps"))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        // The map may change a little between the two reads (a thread stack, the heap grows):
        // compare the whole, not each line.
        XCTAssertGreaterThan(text.utf8.count, stdioBytes - 4096, "read only \(text.utf8.count) of \(stdioBytes) bytes")
        XCTAssertGreaterThan(lines.count, stdioLines.count - 20)
        XCTAssertEqual(lines.last.map(String.init), stdioLines.last.map { String($0.dropLast()) }, "the last line is read")
    }

    func testAMissingFileIsNil() {
        XCTAssertNil(KernelFile.text("/proc/self/no-such-file"))
    }
}
