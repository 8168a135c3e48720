import Foundation
import Glibc

/// Runs a doc page's shell block with bash against a live suite (see DocExamplesTests for the
/// conventions): the suite's port and admin key substituted, each curl call's status and body
/// recorded, each documented answer checked.
final class DocExampleRunner {
    struct Outcome {
        var checks = 0
        var failures: [String] = []
    }

    private let suite: FaaSSuite
    private let repository: URL
    /// Where the blocks run: `scripts/` is the repository's, `functions/.auth/admin.key` the key.
    private let workDirectory: String
    private var counter = 0

    init(suite: FaaSSuite, repository: URL) throws {
        self.suite = suite
        self.repository = repository
        workDirectory = suite.directory + "/doc"
        let auth = workDirectory + "/functions/.auth"
        try FileManager.default.createDirectory(atPath: auth, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: workDirectory + "/scripts", withDestinationPath: repository.appendingPathComponent("scripts").path)
        try FaaSSuite.adminKey.write(toFile: auth + "/admin.key", atomically: true, encoding: .utf8)
    }

    /// One command of a block and the answer documented for it.
    private struct Command {
        var lines: [String]
        var answer: DocAnswer?
    }

    private enum Event {
        case call(status: Int, body: Data)
        case begin(Int, offset: Int)
        case end(Int, offset: Int)
    }

    func run(_ block: DocPage.Block) throws -> Outcome {
        counter += 1
        let base = "\(workDirectory)/block\(counter)"
        let (script, commands) = instrument(block.lines, log: base + ".log", output: base + ".out")
        try script.write(toFile: base + ".sh", atomically: true, encoding: .utf8)
        FileManager.default.createFile(atPath: base + ".log", contents: nil)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [base + ".sh"]
        process.currentDirectoryURL = URL(fileURLWithPath: workDirectory)
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("FAAS_") }
        environment["FAAS_API_KEY"] = FaaSSuite.adminKey
        environment["FAAS_URL"] = "http://localhost:\(suite.port)"
        environment["FAAS_PORT"] = String(suite.port)
        environment["KEY"] = FaaSSuite.adminKey
        process.environment = environment
        FileManager.default.createFile(atPath: base + ".out", contents: nil)
        FileManager.default.createFile(atPath: base + ".err", contents: nil)
        guard let out = FileHandle(forWritingAtPath: base + ".out"), let err = FileHandle(forWritingAtPath: base + ".err") else {
            throw SuiteError.startFailed("cannot open \(base).out/.err")
        }
        defer {
            try? out.close()
            try? err.close()
        }
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()

        let output = FileManager.default.contents(atPath: base + ".out") ?? Data()
        let errors = String(decoding: FileManager.default.contents(atPath: base + ".err") ?? Data(), as: UTF8.self)
        var outcome = Outcome()
        if process.terminationStatus != 0 {
            outcome.failures.append("the block's exit status is \(process.terminationStatus); stderr: \(errors)\nstdout: \(String(decoding: output, as: UTF8.self))")
        }
        check(events: try events(base + ".log"), commands: commands, output: output, into: &outcome)
        return outcome
    }

    /// The block as a script: the port substituted, and `__doc_begin N` / `__doc_end N` around
    /// each command with a documented answer.
    private func instrument(_ lines: [String], log: String, output: String) -> (String, [Command]) {
        var commands: [Command] = []
        var current: [String] = []
        enum Item { case command(Int), passthrough(String) }
        var items: [Item] = []
        func finish() {
            if !current.isEmpty { commands.append(Command(lines: current)) }
            current = []
        }
        for raw in lines {
            let line = raw.replacingOccurrences(of: "localhost:8080", with: "localhost:\(suite.port)")
                .replacingOccurrences(of: "127.0.0.1:8080", with: "127.0.0.1:\(suite.port)")
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("# -> ") {
                // Belongs to the command before it.
                if let last = commands.indices.last { commands[last].answer = DocAnswer(String(trimmed.dropFirst(5))) }
                continue
            }
            if current.isEmpty && (trimmed.isEmpty || trimmed.hasPrefix("#")) {
                items.append(.passthrough(line))
                continue
            }
            current.append(line)
            if !line.hasSuffix("\\") {
                if let range = line.range(of: #"\s#\s->\s"#, options: .regularExpression) {
                    finish()
                    commands[commands.count - 1].answer = DocAnswer(String(line[range.upperBound...]))
                } else {
                    finish()
                }
                items.append(.command(commands.count - 1))
            }
        }
        if !current.isEmpty {
            finish()
            items.append(.command(commands.count - 1))
        }
        var script = """
            set -euo pipefail
            __doc_log='\(log)'
            __doc_out='\(output)'
            # Each call's status and body, for the documented answers; the body still printed.
            curl() {
                local body code rc=0
                body="$(mktemp)"
                code="$(command curl -o "$body" -w '%{http_code}' "$@")" || rc=$?
                printf 'call %s %s\\n' "${code:-000}" "$(base64 -w0 <"$body")" >>"$__doc_log"
                cat "$body"
                rm -f "$body"
                return "$rc"
            }
            __doc_begin() { printf 'begin %s %s\\n' "$1" "$(stat -c %s "$__doc_out")" >>"$__doc_log"; }
            __doc_end() { printf 'end %s %s\\n' "$1" "$(stat -c %s "$__doc_out")" >>"$__doc_log"; }

            """
        for item in items {
            switch item {
            case .passthrough(let line):
                script += line + "\n"
            case .command(let index):
                let command = commands[index]
                if command.answer != nil { script += "__doc_begin \(index)\n" }
                script += command.lines.joined(separator: "\n") + "\n"
                if command.answer != nil { script += "__doc_end \(index)\n" }
            }
        }
        return (script, commands)
    }

    private func events(_ path: String) throws -> [Event] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            switch fields.first {
            case "call": return .call(status: Int(fields[1]) ?? 0, body: Data(base64Encoded: fields.count > 2 ? fields[2] : "") ?? Data())
            case "begin": return .begin(Int(fields[1]) ?? -1, offset: Int(fields[2]) ?? 0)
            case "end": return .end(Int(fields[1]) ?? -1, offset: Int(fields[2]) ?? 0)
            default: return nil
            }
        }
    }

    private func check(events: [Event], commands: [Command], output: Data, into outcome: inout Outcome) {
        var begun: (index: Int, offset: Int, calls: [(Int, Data)])?
        for event in events {
            switch event {
            case .call(let status, let body):
                if begun != nil {
                    begun?.calls.append((status, body))
                } else if status >= 400 || status < 100 {
                    outcome.failures.append("a curl call answered \(status) where no answer is documented: \(String(decoding: body, as: UTF8.self))")
                }
            case .begin(let index, let offset):
                begun = (index, offset, [])
            case .end(let index, let offset):
                guard let started = begun, started.index == index, commands.indices.contains(index), let answer = commands[index].answer else { continue }
                begun = nil
                outcome.checks += 1
                let command = commands[index].lines.joined(separator: " ")
                var body: Data
                if let lastCall = started.calls.last {
                    let (status, last) = lastCall
                    for (earlier, earlierBody) in started.calls.dropLast() where earlier >= 400 || earlier < 100 {
                        outcome.failures.append("\(command): an earlier call answered \(earlier): \(String(decoding: earlierBody, as: UTF8.self))")
                    }
                    if let expected = answer.status, expected != status {
                        outcome.failures.append("\(command): status \(status), documented \(expected) (\(answer.text)); body \(String(decoding: last, as: UTF8.self))")
                        continue
                    }
                    if answer.status == nil, status >= 400 || status < 100 {
                        outcome.failures.append("\(command): status \(status), documented without a status (\(answer.text))")
                        continue
                    }
                    body = last
                } else {
                    if answer.status != nil {
                        outcome.failures.append("\(command): a status is documented (\(answer.text)) but the command made no curl call")
                        continue
                    }
                    body = output.count >= offset ? output.subdata(in: min(started.offset, offset)..<offset) : Data()
                }
                if let why = answer.mismatch(body) {
                    outcome.failures.append("\(command): \(why) (documented: \(answer.text))")
                }
            }
        }
        let documented = commands.filter { $0.answer != nil }.count
        if outcome.checks < documented, outcome.failures.isEmpty {
            outcome.failures.append("only \(outcome.checks) of \(documented) documented answers were reached")
        }
    }
}
