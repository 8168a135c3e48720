import Foundation
import XCTest

/// Test archives, made on the client side by Python's zipfile and tarfile (an implementation
/// independent of the gateway's readers), including the hostile ones.
enum ArchiveMaker {
    /// Runs a script that writes the archive to `out` (stdout, binary).
    static func python(_ script: String) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", "import io, sys, stat, zipfile, tarfile\nout = sys.stdout.buffer\n" + script]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw SuiteError.startFailed("archive script failed: \(script)") }
        return data
    }

    private static func literal(_ files: [(String, String)]) -> String {
        "[" + files.map { "(\(pythonString($0.0)), \(pythonString($0.1)))" }.joined(separator: ", ") + "]"
    }

    static func pythonString(_ text: String) -> String {
        "bytes([" + text.utf8.map(String.init).joined(separator: ",") + "]).decode()"
    }

    static func zip(_ files: [(String, String)]) throws -> Data {
        try python("""
            b = io.BytesIO()
            with zipfile.ZipFile(b, 'w', zipfile.ZIP_DEFLATED) as z:
                for name, text in \(literal(files)):
                    z.writestr(name, text)
            out.write(b.getvalue())
            """)
    }

    static func tarGzip(_ files: [(String, String)]) throws -> Data {
        try python("""
            b = io.BytesIO()
            with tarfile.open(fileobj=b, mode='w:gz', format=tarfile.PAX_FORMAT) as t:
                for name, text in \(literal(files)):
                    data = text.encode(); info = tarfile.TarInfo(name); info.size = len(data); info.mode = 0o644
                    t.addfile(info, io.BytesIO(data))
            out.write(b.getvalue())
            """)
    }
}
