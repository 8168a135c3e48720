import FaaSSystem
import FaaSProtocol
import Foundation

/// The invocation database: SQLite in WAL mode, owned by the gateway and used from its one
/// store thread only (every call here blocks). Outputs above `inlineMax` bytes live in files in
/// `results/` beside the database, named by invocation id.
final class InvocationStore {
    private let database: SQLiteDatabase
    private let resultsDirectory: String
    private let inlineMax: Int

    enum SubmitOutcome: Sendable {
        case created(String)
        /// The same idempotency key and function were submitted before: that invocation's id.
        case existing(String)
    }

    enum CancelOutcome: Sendable {
        case cancelled
        case notQueued(InvocationState)
        case notFound
    }

    init(path: String, inlineMax: Int) throws {
        let directory = (path as NSString).deletingLastPathComponent
        resultsDirectory = (directory.isEmpty ? "." : directory) + "/results"
        try FileManager.default.createDirectory(atPath: resultsDirectory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        self.inlineMax = inlineMax
        database = try SQLiteDatabase(path: path)
        // WAL: readers never wait for the writer; FULL: a commit is on disk before it is reported,
        // so an accepted async invocation survives a power cut as well as a kill.
        try database.execute("PRAGMA journal_mode = WAL")
        try database.execute("PRAGMA synchronous = FULL")
        try InvocationSchema.migrate(database)
    }

    func close() { database.close() }

    static func now() -> Double { Date().timeIntervalSince1970 }

    // MARK: columns

    private static let columns = """
        id, kind, function, function_id, version, state, caller, timeout, memory, submitted_at, started_at, finished_at, \
        duration, attempts, max_retries, retry_failures, status, ok, output, encoding, error, code, result_file, \
        idempotency_key, callback_url, callback_state, callback_attempts, callback_error, request_id
        """

    private func read(_ row: SQLiteStatement) -> InvocationRecord {
        var record = InvocationRecord(
            id: row.text(0) ?? "", kind: InvocationRecord.Kind(rawValue: row.text(1) ?? "") ?? .async, function: row.text(2) ?? "",
            functionID: row.text(3) ?? "", version: row.optionalInt(4), state: InvocationState(rawValue: row.text(5) ?? "") ?? .failed,
            caller: row.text(6), timeout: row.optionalDouble(7), memory: row.optionalInt(8), submittedAt: row.double(9))
        record.startedAt = row.optionalDouble(10)
        record.finishedAt = row.optionalDouble(11)
        record.duration = row.optionalDouble(12)
        record.attempts = row.int(13)
        record.maxRetries = row.int(14)
        record.retryFailures = row.int(15) != 0
        record.status = row.optionalInt(16)
        if let ok = row.optionalInt(17) {
            var output = Self.outputBytes(text: row.text(18), encoding: row.text(19))
            if output == nil, let file = row.text(22) {
                output = (try? FileDescriptor.open(resultsDirectory + "/" + file, O_RDONLY).closeAfter { try $0.readAll() }) ?? []
            }
            var result = ResultMessage.failure(id: nil, .internal, "")
            result.ok = ok != 0
            result.output = output
            result.error = row.text(20)
            result.code = row.text(21).flatMap(FailureCode.init(rawValue:))
            record.result = result
        }
        record.idempotencyKey = row.text(23)
        record.callbackURL = row.text(24)
        record.callbackState = row.text(25)
        record.callbackAttempts = row.int(26)
        record.callbackError = row.text(27)
        record.requestID = row.text(28)
        return record
    }

    // MARK: start

    /// Invocations a killed gateway left `running` go back to the queue: they run again
    /// (at-least-once), and still end in exactly one final state.
    func requeueRunning() throws -> Int {
        try database.statement("UPDATE invocations SET state = 'queued', next_attempt_at = 0 WHERE state = 'running' AND kind = 'async'").run()
        let requeued = database.changes
        // A sync call's client is gone with the gateway: its record ends as failed.
        try database.statement("UPDATE invocations SET state = 'failed', error = 'the gateway stopped during the call', ok = 0 WHERE state = 'running'").run()
        return requeued
    }

    // MARK: async

    func submit(_ record: InvocationRecord) throws -> SubmitOutcome {
        try database.transaction {
            if let key = record.idempotencyKey {
                let existing = try database.statement("SELECT id FROM invocations WHERE function = ?1 AND idempotency_key = ?2")
                defer { existing.reset() }
                try existing.bind([.text(record.function), .text(key)])
                if try existing.step(), let id = existing.text(0) { return .existing(id) }
            }
            try database.statement("""
                INSERT INTO invocations (id, kind, function, function_id, version, state, caller, payload, timeout, memory, submitted_at,
                    max_retries, retry_failures, next_attempt_at, idempotency_key, callback_url, request_id)
                VALUES (?1, 'async', ?2, ?3, ?4, 'queued', ?5, ?6, ?7, ?8, ?9, ?10, ?11, 0, ?12, ?13, ?14)
                """).run([.text(record.id), .text(record.function), .text(record.functionID), .optional(record.version), .optional(record.caller),
                          .blob(record.payload), .optional(record.timeout), .optional(record.memory), .real(record.submittedAt),
                          .integer(record.maxRetries), .integer(record.retryFailures ? 1 : 0), .optional(record.idempotencyKey),
                          .optional(record.callbackURL), .optional(record.requestID)])
            return .created(record.id)
        }
    }

    /// Moves up to `limit` due queued invocations to `running` (one more attempt each) and
    /// returns them with their payloads.
    func claim(limit: Int, now: Double) throws -> [InvocationRecord] {
        guard limit > 0 else { return [] }
        return try database.transaction {
            let select = try database.statement("""
                SELECT \(Self.columns), payload FROM invocations WHERE state = 'queued' AND next_attempt_at <= ?1
                ORDER BY next_attempt_at, submitted_at LIMIT ?2
                """)
            try select.bind([.real(now), .integer(limit)])
            var claimed: [InvocationRecord] = []
            while try select.step() {
                var record = read(select)
                record.payload = select.blob(29)
                claimed.append(record)
            }
            let update = try database.statement("UPDATE invocations SET state = 'running', attempts = attempts + 1, started_at = ?2 WHERE id = ?1")
            for index in claimed.indices {
                try update.run([.text(claimed[index].id), .real(now)])
                claimed[index].attempts += 1
                claimed[index].state = .running
                claimed[index].startedAt = now
            }
            return claimed
        }
    }

    /// Records the final state of a running invocation; false when it was not running (so a
    /// second result can never overwrite the first). A callback, if any, becomes due.
    func finish(id: String, state: InvocationState, result: ResultMessage, duration: Double, now: Double) throws -> Bool {
        try database.transaction {
            let file = try storeLargeOutput(id: id, result: result)
            let stored = Self.storedText(result.output)
            try database.statement("""
                UPDATE invocations SET state = ?2, finished_at = ?3, duration = ?4, status = ?5, ok = ?6, output = ?7, encoding = ?8,
                    error = ?9, code = ?10, result_file = ?11, payload = NULL,
                    callback_state = CASE WHEN callback_url IS NULL THEN NULL ELSE 'pending' END, callback_next_at = ?3
                WHERE id = ?1 AND state = 'running'
                """).run([.text(id), .text(state.rawValue), .real(now), .real(duration), .integer(Self.status(result)),
                          .integer(result.ok ? 1 : 0), file == nil ? .optional(stored.text) : .null,
                          .optional(stored.encoding), .optional(result.error), .optional(result.code?.rawValue), .optional(file)])
            return database.changes == 1
        }
    }

    /// Puts a running invocation back in the queue, due at `at`.
    func retry(id: String, at: Double, error: String?) throws {
        try database.statement("UPDATE invocations SET state = 'queued', next_attempt_at = ?2, error = ?3 WHERE id = ?1 AND state = 'running'")
            .run([.text(id), .real(at), .optional(error)])
    }

    func cancel(id: String, now: Double) throws -> CancelOutcome {
        try database.transaction {
            try database.statement("UPDATE invocations SET state = 'cancelled', finished_at = ?2, payload = NULL WHERE id = ?1 AND state = 'queued'")
                .run([.text(id), .real(now)])
            if database.changes == 1 { return .cancelled }
            let lookup = try database.statement("SELECT state FROM invocations WHERE id = ?1")
            defer { lookup.reset() }
            try lookup.bind([.text(id)])
            guard try lookup.step() else { return .notFound }
            return .notQueued(InvocationState(rawValue: lookup.text(0) ?? "") ?? .failed)
        }
    }

    // MARK: reading

    func get(id: String) throws -> InvocationRecord? {
        let select = try database.statement("SELECT \(Self.columns) FROM invocations WHERE id = ?1")
        defer { select.reset() }
        try select.bind([.text(id)])
        return try select.step() ? read(select) : nil
    }

    /// The most recent first.
    func list(function: String?, state: InvocationState?, caller: String?, limit: Int) throws -> [InvocationRecord] {
        let select = try database.statement("""
            SELECT \(Self.columns) FROM invocations
            WHERE (?1 IS NULL OR function = ?1) AND (?2 IS NULL OR state = ?2) AND (?3 IS NULL OR caller = ?3)
            ORDER BY submitted_at DESC, id LIMIT ?4
            """)
        try select.bind([.optional(function), .optional(state?.rawValue), .optional(caller), .integer(limit)])
        var records: [InvocationRecord] = []
        while try select.step() { records.append(read(select)) }
        return records
    }

    /// Per function: counts by state of the invocations submitted since `since`, and its
    /// `recent` most recent invocations (any age). Functions with none in the window are left
    /// out. `caller` set: that caller's invocations only.
    func summary(since: Double, function: String?, caller: String?, recent: Int) throws -> [InvocationSummary] {
        let counts = try database.statement("""
            SELECT function, state, COUNT(*) FROM invocations
            WHERE submitted_at >= ?1 AND (?2 IS NULL OR function = ?2) AND (?3 IS NULL OR caller = ?3)
            GROUP BY function, state ORDER BY function
            """)
        defer { counts.reset() }
        try counts.bind([.real(since), .optional(function), .optional(caller)])
        var summaries: [InvocationSummary] = []
        while try counts.step() {
            let name = counts.text(0) ?? ""
            guard let state = InvocationState(rawValue: counts.text(1) ?? "") else { continue }
            if summaries.last?.function != name { summaries.append(InvocationSummary(function: name, counts: [:], recent: [])) }
            summaries[summaries.count - 1].counts[state, default: 0] += counts.int(2)
        }
        // Each function's latest through the (function, submitted_at) index.
        let latest = try database.statement("""
            SELECT state, submitted_at FROM invocations WHERE function = ?1 AND (?2 IS NULL OR caller = ?2)
            ORDER BY submitted_at DESC, id LIMIT ?3
            """)
        defer { latest.reset() }
        for index in summaries.indices {
            try latest.bind([.text(summaries[index].function), .optional(caller), .integer(recent)])
            while try latest.step() {
                guard let state = InvocationState(rawValue: latest.text(0) ?? "") else { continue }
                summaries[index].recent.append(InvocationSummary.Recent(state: state, submittedAt: latest.double(1)))
            }
            latest.reset()
        }
        return summaries
    }

    struct QueueStats: Sendable {
        var depth = 0
        var oldestSubmittedAt: Double?
    }

    func queueStats() throws -> QueueStats {
        let select = try database.statement("SELECT COUNT(*), MIN(submitted_at) FROM invocations WHERE state = 'queued'")
        defer { select.reset() }
        _ = try select.step()
        return QueueStats(depth: select.int(0), oldestSubmittedAt: select.optionalDouble(1))
    }

    // MARK: sync calls

    /// Records finished synchronous calls, many per transaction (one fsync for the batch).
    func recordSync(_ records: [InvocationRecord]) throws {
        guard !records.isEmpty else { return }
        // History, not promises: a power cut may lose the last batch (a kill may not), and the
        // hot path's records cost no fsync of their own. Async state changes stay FULL.
        // Prepared once (cached by their text): parsed anew each batch they were a fifth of it.
        try database.statement("PRAGMA synchronous = NORMAL").run()
        defer { try? database.statement("PRAGMA synchronous = FULL").run() }
        try database.transaction {
            let insert = try database.statement("""
                INSERT OR IGNORE INTO invocations (id, kind, function, function_id, version, state, caller, submitted_at, started_at,
                    finished_at, duration, attempts, status, ok, output, encoding, error, code, result_file, request_id)
                VALUES (?1, 'sync', ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?9, 1, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
                """)
            for record in records {
                insert.reset()
                let result = record.result ?? .failure(id: nil, .internal, "no result")
                let file = try storeLargeOutput(id: record.id, result: result)
                let stored = Self.storedText(result.output)
                try insert.run([.text(record.id), .text(record.function), .text(record.functionID), .optional(record.version),
                                .text(record.state.rawValue), .optional(record.caller), .real(record.submittedAt),
                                .optional(record.finishedAt), .optional(record.duration), .integer(Self.status(result)),
                                .integer(result.ok ? 1 : 0), file == nil ? .optional(stored.text) : .null,
                                .optional(stored.encoding), .optional(result.error), .optional(result.code?.rawValue), .optional(file),
                                .optional(record.requestID)])
            }
        }
    }

    // MARK: callbacks

    /// Takes up to `limit` due callbacks, leasing each for `lease` seconds: a gateway killed
    /// while delivering one delivers it again after the lease (at-least-once).
    func claimCallbacks(now: Double, limit: Int, lease: Double) throws -> [InvocationRecord] {
        try database.transaction {
            let select = try database.statement("""
                SELECT \(Self.columns) FROM invocations WHERE callback_state = 'pending' AND callback_next_at <= ?1
                ORDER BY callback_next_at LIMIT ?2
                """)
            try select.bind([.real(now), .integer(limit)])
            var records: [InvocationRecord] = []
            while try select.step() { records.append(read(select)) }
            let update = try database.statement("UPDATE invocations SET callback_next_at = ?2 WHERE id = ?1")
            for record in records { try update.run([.text(record.id), .real(now + lease)]) }
            return records
        }
    }

    /// One delivery attempt: `state` is delivered, failed (given up) or pending (again at `nextAt`).
    func callbackAttempted(id: String, state: String, nextAt: Double, error: String?) throws {
        try database.statement("""
            UPDATE invocations SET callback_state = ?2, callback_attempts = callback_attempts + 1, callback_next_at = ?3, callback_error = ?4
            WHERE id = ?1
            """).run([.text(id), .text(state), .real(nextAt), .optional(error)])
    }

    // MARK: retention

    /// Deletes invocations finished before `before`, and their result files.
    func prune(before: Double) throws -> Int {
        try database.transaction {
            let files = try database.statement("SELECT result_file FROM invocations WHERE finished_at < ?1 AND result_file IS NOT NULL AND state NOT IN ('queued', 'running')")
            defer { files.reset() }
            try files.bind([.real(before)])
            var names: [String] = []
            while try files.step() { if let name = files.text(0) { names.append(name) } }
            try database.statement("""
                DELETE FROM invocations WHERE finished_at < ?1 AND state NOT IN ('queued', 'running')
                    AND (callback_state IS NULL OR callback_state != 'pending')
                """).run([.real(before)])
            let removed = database.changes
            for name in names { unlink(resultsDirectory + "/" + name) }
            return removed
        }
    }

    // MARK: helpers

    /// An output as the row keeps it: the text itself when it is valid UTF-8, else base64
    /// (`encoding` = "base64"), as the invoke envelope shows it.
    static func storedText(_ output: [UInt8]?) -> (text: String?, encoding: String?) {
        guard let output else { return (nil, nil) }
        if let text = String(validating: output, as: UTF8.self) { return (text, nil) }
        return (Data(output).base64EncodedString(), "base64")
    }

    static func outputBytes(text: String?, encoding: String?) -> [UInt8]? {
        guard let text else { return nil }
        if encoding == "base64" { return Data(base64Encoded: text).map { [UInt8]($0) } ?? [] }
        return Array(text.utf8)
    }

    /// The HTTP status a synchronous invoke answers for `result`.
    static func status(_ result: ResultMessage) -> Int { result.ok ? 200 : (result.code ?? .internal).httpStatus }

    /// Writes a large output to `results/<id>` (atomically: temporary file, fsync, rename) and
    /// returns its name; nil when it is small enough to stay in the row.
    private func storeLargeOutput(id: String, result: ResultMessage) throws -> String? {
        guard let output = result.output, output.count > inlineMax else { return nil }
        let name = id.filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
        let final = resultsDirectory + "/" + name
        let temporary = final + ".tmp"
        let fd = try FileDescriptor.open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode: 0o600)
        try fd.closeAfter { fd in
            try fd.writeAll(output)
            try syscall("fsync") { fsync(fd.rawValue) }
        }
        try syscall("rename") { rename(temporary, final) }
        return name
    }
}
