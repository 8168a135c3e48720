/// The invocation store's schema, in one place: numbered migrations applied in order, the
/// database's `user_version` saying how many have run. A migration is never edited once
/// released; a change is a new one at the end.
enum InvocationSchema {
    static let migrations: [String] = [
        // 1: invocations, async and sync, with their result and callback bookkeeping.
        """
        CREATE TABLE invocations (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,                 -- async | sync
            function TEXT NOT NULL,             -- the function's name
            function_id TEXT NOT NULL,          -- the version invoked (name_<time>)
            version INTEGER,
            state TEXT NOT NULL,                -- InvocationState
            caller TEXT,                        -- the key id (or jwt:sub) that submitted it
            payload BLOB,
            timeout REAL,
            memory INTEGER,
            submitted_at REAL NOT NULL,         -- unix seconds
            started_at REAL,
            finished_at REAL,
            duration REAL,                      -- seconds of the last attempt
            attempts INTEGER NOT NULL DEFAULT 0,
            max_retries INTEGER NOT NULL DEFAULT 0,
            retry_failures INTEGER NOT NULL DEFAULT 0,
            next_attempt_at REAL NOT NULL DEFAULT 0,
            status INTEGER,                     -- the HTTP status a sync invoke answers
            ok INTEGER,
            output TEXT,
            encoding TEXT,
            error TEXT,
            code TEXT,
            result_file TEXT,                   -- output stored beside the database when large
            idempotency_key TEXT,
            callback_url TEXT,
            callback_state TEXT,                -- pending | delivered | failed
            callback_attempts INTEGER NOT NULL DEFAULT 0,
            callback_next_at REAL,
            callback_error TEXT
        );
        CREATE UNIQUE INDEX invocations_idempotency ON invocations(function, idempotency_key) WHERE idempotency_key IS NOT NULL;
        CREATE INDEX invocations_state ON invocations(state, next_attempt_at);
        CREATE INDEX invocations_function ON invocations(function, submitted_at);
        CREATE INDEX invocations_submitted ON invocations(submitted_at);
        CREATE INDEX invocations_callback ON invocations(callback_state, callback_next_at) WHERE callback_state = 'pending';
        """,
        // 2: the request id (`X-Request-Id`) an async invocation runs under, and a sync one ran under.
        """
        ALTER TABLE invocations ADD COLUMN request_id TEXT;
        """,
    ]

    /// Brings `database` to the latest schema, one transaction per migration.
    static func migrate(_ database: SQLiteDatabase) throws {
        let statement = try database.statement("PRAGMA user_version")
        _ = try statement.step()
        let current = statement.int(0)
        statement.reset()
        guard current <= migrations.count else {
            throw SQLiteError(operation: "migrate", code: 0,
                              message: "the database has schema version \(current), newer than this gateway's \(migrations.count)")
        }
        for index in current..<migrations.count {
            try database.transaction {
                try database.execute(migrations[index])
                try database.execute("PRAGMA user_version = \(index + 1)")
            }
        }
    }
}
