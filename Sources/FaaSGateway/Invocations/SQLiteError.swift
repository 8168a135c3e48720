import CSQLite

/// A failed SQLite call: what was being done, SQLite's result code and its message.
struct SQLiteError: Error, CustomStringConvertible {
    let operation: String
    let code: Int32
    let message: String

    init(_ operation: String, code: Int32, database: OpaquePointer?) {
        self.operation = operation
        self.code = code
        self.message = database.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(code))
    }

    var description: String { "sqlite \(operation): \(message) (\(code))" }
}
