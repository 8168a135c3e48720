import Foundation
import XCTest

/// The examples built natively on the host (g++, go build), to compare a deployed function's
/// output with the same program's: the reference the end-to-end tests check against.
struct NativeBuild {
    struct Run: Equatable {
        let status: Int32
        let output: Data
    }

    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("native-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }

    /// `g++` on the host, with the flags the platform's C++ build has (`-fno-exceptions`).
    func cpp(_ example: String) throws -> URL {
        let output = folder.appendingPathComponent((example as NSString).deletingPathExtension)
        try Self.mustRun("/usr/bin/g++", ["-O2", "-std=c++17", "-fno-exceptions", "-o", output.path, Examples.directory.appendingPathComponent(example).path])
        return output
    }

    /// `go build` of a command (`package main`) on the host.
    func goCommand(_ example: String) throws -> URL {
        let module = folder.appendingPathComponent("cmd-" + example)
        try FileManager.default.createDirectory(at: module, withIntermediateDirectories: true)
        try Data("module function\n\ngo 1.19\n".utf8).write(to: module.appendingPathComponent("go.mod"))
        try FileManager.default.copyItem(at: Examples.directory.appendingPathComponent(example), to: module.appendingPathComponent("main.go"))
        return try goBuild(module)
    }

    /// `go build` of a handler (`package function`) with a host harness that calls Handle
    /// through net/http/httptest: stdin is the POST body, the body is printed, exit 1 on a
    /// status outside 2xx.
    func goHandler(_ example: String) throws -> URL {
        let module = folder.appendingPathComponent("handler-" + example)
        try FileManager.default.createDirectory(at: module.appendingPathComponent("function"), withIntermediateDirectories: true)
        try Data("module handler\n\ngo 1.19\n".utf8).write(to: module.appendingPathComponent("go.mod"))
        try FileManager.default.copyItem(at: Examples.directory.appendingPathComponent(example), to: module.appendingPathComponent("function/handler.go"))
        let harness = """
            package main

            import (
            \t"bytes"
            \t"io"
            \t"net/http/httptest"
            \t"os"

            \t"handler/function"
            )

            func main() {
            \tbody, _ := io.ReadAll(os.Stdin)
            \trecorder := httptest.NewRecorder()
            \tfunction.Handle(recorder, httptest.NewRequest("POST", "/", bytes.NewReader(body)))
            \tos.Stdout.Write(recorder.Body.Bytes())
            \tif recorder.Code/100 != 2 {
            \t\tos.Exit(1)
            \t}
            }

            """
        try Data(harness.utf8).write(to: module.appendingPathComponent("main.go"))
        return try goBuild(module)
    }

    private func goBuild(_ module: URL) throws -> URL {
        let output = module.appendingPathComponent("program")
        try Self.mustRun("/usr/bin/go", ["build", "-o", output.path, "."], in: module,
                         environment: ["PATH": "/usr/bin:/bin", "HOME": folder.path, "GOCACHE": folder.appendingPathComponent("gocache").path,
                                       "GOPATH": folder.appendingPathComponent("gopath").path, "GOPROXY": "off", "CGO_ENABLED": "0"])
        return output
    }

    /// Runs a built program with `input` on stdin.
    static func run(_ program: URL, input: Data) throws -> Run {
        let process = Process()
        process.executableURL = program
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        try stdin.fileHandleForWriting.write(contentsOf: input)
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, output: output)
    }

    private static func mustRun(_ executable: String, _ arguments: [String], in directory: URL? = nil, environment: [String: String]? = nil) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        if let environment { process.environment = environment }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw SuiteError.startFailed("\(executable) \(arguments.joined(separator: " ")) failed: \(text)")
        }
    }
}
