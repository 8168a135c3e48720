import Foundation
import XCTest
@testable import FaaSStore

/// The zip and tar.gz readers against archives made by Python's own zipfile and tarfile (a
/// second, independent implementation), the good ones and the hostile catalogue.
final class BundleArchiveTests: XCTestCase {
    /// Runs a Python script that writes an archive to stdout (`out`, a binary stream).
    private func make(_ script: String) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", "import io, sys, zipfile, tarfile, stat\nout = sys.stdout.buffer\n" + script]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, script)
        return [UInt8](data)
    }

    private func zip(_ body: String) throws -> [UInt8] {
        try make("b = io.BytesIO()\nz = zipfile.ZipFile(b, 'w', zipfile.ZIP_DEFLATED)\n\(body)\nz.close()\nout.write(b.getvalue())")
    }

    private func tgz(_ body: String, format: String = "PAX_FORMAT") throws -> [UInt8] {
        try make("""
            b = io.BytesIO()
            t = tarfile.open(fileobj=b, mode='w:gz', format=tarfile.\(format))
            def add(name, data=b'', type=tarfile.REGTYPE, mode=0o644, link=''):
                info = tarfile.TarInfo(name); info.size = len(data); info.type = type; info.mode = mode; info.linkname = link
                t.addfile(info, io.BytesIO(data) if type == tarfile.REGTYPE else None)
            \(body.replacingOccurrences(of: "\n", with: "\n"))
            t.close()
            out.write(b.getvalue())
            """)
    }

    private func read(_ bytes: [UInt8], limits: BundleLimits = BundleLimits()) throws -> BundleArchive {
        let format = try XCTUnwrap(ArchiveFormat(detecting: bytes), "not detected as an archive")
        return try BundleArchive(format: format, bytes: bytes, limits: limits)
    }

    private func refused(_ bytes: [UInt8], limits: BundleLimits = BundleLimits(), _ expected: (BundleError) -> Bool,
                         file: StaticString = #filePath, line: UInt = #line) {
        do {
            let archive = try read(bytes, limits: limits)
            XCTFail("accepted: \(archive.filePaths)", file: file, line: line)
        } catch let error as BundleError {
            XCTAssertTrue(expected(error), "refused, but as \(error)", file: file, line: line)
        } catch {
            XCTFail("unexpected \(error)", file: file, line: line)
        }
    }

    func testDetection() {
        XCTAssertEqual(ArchiveFormat(detecting: Array("PK\u{3}\u{4}rest".utf8)), .zip)
        XCTAssertEqual(ArchiveFormat(detecting: [0x1F, 0x8B, 0x08, 0]), .tarGzip)
        XCTAssertNil(ArchiveFormat(detecting: Array("print('PK')".utf8)))
        XCTAssertNil(ArchiveFormat(detecting: []))
    }

    func testZipStoredDeflatedFoldersAndModes() throws {
        let bytes = try zip("""
            z.writestr('main.py', 'import helper\\n' * 50)
            z.writestr(zipfile.ZipInfo('lib/'), '')
            z.writestr('lib/helper.py', 'X = 1\\n', compress_type=zipfile.ZIP_STORED)
            i = zipfile.ZipInfo('bin/run'); i.external_attr = (stat.S_IFREG | 0o755) << 16; i.create_system = 3
            z.writestr(i, '#!/bin/sh\\n')
            """)
        let archive = try read(bytes)
        XCTAssertEqual(archive.filePaths, ["main.py", "lib/helper.py", "bin/run"])
        XCTAssertEqual(archive.contents(of: "main.py"), Array(String(repeating: "import helper\n", count: 50).utf8))
        XCTAssertEqual(archive.contents(of: "lib/helper.py"), Array("X = 1\n".utf8))
        XCTAssertTrue(archive.entries.contains { $0.path == "bin/run" && $0.executable })
        XCTAssertTrue(archive.entries.contains { $0.path == "lib" && $0.kind == .directory })
        let folder = NSTemporaryDirectory() + "bundle-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try archive.unpack(into: folder)
        XCTAssertEqual(try String(contentsOfFile: folder + "/lib/helper.py", encoding: .utf8), "X = 1\n")
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: folder + "/bin/run"))
    }

    func testTarGzipUstarPaxAndGnuLongNames() throws {
        let long = String(repeating: "d", count: 120) + "/" + String(repeating: "f", count: 120) + ".py"
        let pax = try read(try tgz("add('./a/b.py', b'hello')\nadd('a/c', type=tarfile.DIRTYPE)\nadd('\(long)', b'long')"))
        XCTAssertEqual(pax.filePaths, ["a/b.py", long])
        XCTAssertEqual(pax.contents(of: long), Array("long".utf8))
        let gnu = try read(try tgz("add('\(long)', b'gnu')", format: "GNU_FORMAT"))
        XCTAssertEqual(gnu.contents(of: long), Array("gnu".utf8))
        let ustar = try read(try tgz("add('x.js', b'1', mode=0o755)", format: "USTAR_FORMAT"))
        XCTAssertEqual(ustar.entries, [ArchiveEntry(path: "x.js", kind: .file(Array("1".utf8)), executable: true)])
    }

    /// The hostile catalogue: each refused, with the reason it deserves.
    func testHostileZips() throws {
        refused(try zip("z.writestr('/etc/passwd', 'x')")) { if case .unsafePath(_, let why) = $0 { return why.contains("absolute") } else { return false } }
        refused(try zip("z.writestr('a/../../x', 'x')")) { if case .unsafePath(_, let why) = $0 { return why.contains("..") } else { return false } }
        refused(try zip("i = zipfile.ZipInfo('link'); i.create_system = 3; i.external_attr = (stat.S_IFLNK | 0o777) << 16\nz.writestr(i, '/etc/passwd')")) { $0 == .link("link") }
        refused(try zip("i = zipfile.ZipInfo('fifo'); i.create_system = 3; i.external_attr = (stat.S_IFIFO | 0o644) << 16\nz.writestr(i, '')")) { $0 == .special("fifo") }
        refused(try zip("import warnings; warnings.simplefilter('ignore')\nz.writestr('a.py', '1')\nz.writestr('a.py', '2')")) { $0 == .duplicate("a.py") }
        refused(try zip("z.writestr('a', '1')\nz.writestr('a/b', '2')")) { $0 == .duplicate("a/b") }
        refused(try zip("for i in range(11): z.writestr(f'f{i}', 'x')"), limits: BundleLimits(maxFiles: 10)) { $0 == .tooManyFiles(10) }
        refused(try zip("z.writestr('big', b'x' * 5000, compress_type=zipfile.ZIP_STORED)"), limits: BundleLimits(maxUnpackedBytes: 4096)) { $0 == .tooLarge(4096) }
        // A bomb: 20 MB of zeros deflates to about 20 KB.
        refused(try zip("z.writestr('zeros', b'\\0' * 20_000_000)")) { $0 == .ratio(200) }
        let good = try zip("z.writestr('main.py', 'print(1)\\n' * 100)")
        refused(Array(good.prefix(good.count - 30))) { if case .corrupt = $0 { return true } else { return false } }
        var flipped = try zip("z.writestr('main.py', 'print(1)\\n' * 100, compress_type=zipfile.ZIP_STORED)")
        flipped[40] ^= 0xFF
        refused(flipped) { if case .corrupt(let why) = $0 { return why.contains("CRC") } else { return false } }
        refused(Array("PK\u{3}\u{4}".utf8) + [UInt8](repeating: 0, count: 40)) { if case .corrupt = $0 { return true } else { return false } }
    }

    func testHostileTars() throws {
        refused(try tgz("add('/abs.py', b'x')")) { if case .unsafePath = $0 { return true } else { return false } }
        refused(try tgz("add('../up.py', b'x')")) { if case .unsafePath = $0 { return true } else { return false } }
        refused(try tgz("add('s', type=tarfile.SYMTYPE, link='/etc/passwd')")) { $0 == .link("s") }
        refused(try tgz("add('a.py', b'1')\nadd('h', type=tarfile.LNKTYPE, link='a.py')")) { $0 == .link("h") }
        refused(try tgz("add('dev', type=tarfile.CHRTYPE)")) { $0 == .special("dev") }
        refused(try tgz("add('fifo', type=tarfile.FIFOTYPE)")) { $0 == .special("fifo") }
        refused(try tgz("add('a.py', b'1')\nadd('a.py', b'2')")) { $0 == .duplicate("a.py") }
        refused(try tgz("for i in range(11): add(f'f{i}', b'x')"), limits: BundleLimits(maxFiles: 10)) { $0 == .tooManyFiles(10) }
        refused(try tgz("add('zeros', b'\\0' * 20_000_000)")) { $0 == .tooLarge(64 << 20) || $0 == .ratio(200) }
        refused(try tgz("add('zeros', b'\\0' * 2_000_000)"), limits: BundleLimits(maxUnpackedBytes: 1 << 20)) { $0 == .tooLarge(1 << 20) }
        let good = try tgz("add('main.py', b'print(1)' * 1000)")
        refused(Array(good.prefix(good.count / 2))) { if case .corrupt = $0 { return true } else { return false } }
        refused(good + [1, 2, 3]) { if case .corrupt = $0 { return true } else { return false } }
    }
}
