/// The spec's worker reply, `{"ok":true,"output":"..."}` or `{"ok":false,"error":"..."}`, plus
/// the request `id` and, on failure, a `code` saying why. It carries no `"type"` on the wire,
/// as in the spec; it is recognised by its `ok` field. Between the daemons the output is
/// attached (`"output_bytes":N` and N raw bytes after the line; see `BodyForm`).
public struct ResultMessage: Sendable {
    public var ok: Bool
    public var id: UInt64?
    public var output: [UInt8]?
    public var error: String?
    public var code: FailureCode?
    /// How `output` is written: attached between the daemons, inline for a client that sent
    /// its invoke inline.
    public var bodyForm: BodyForm
    /// What the output is (`"output_type"`; nil: `text`).
    public var outputType: OutputType?
    /// What the function logged during the call (`"log"`: a JSON string of `\n`-ended lines,
    /// each `stdout TEXT` or `stderr TEXT`): kept apart from the output, for the function's log.
    public var log: String?

    public init(ok: Bool, id: UInt64?, output: [UInt8]?, error: String?, code: FailureCode?, bodyForm: BodyForm = .attached,
                outputType: OutputType? = nil, log: String? = nil) {
        self.ok = ok
        self.id = id
        self.output = output
        self.error = error
        self.code = code
        self.bodyForm = bodyForm
        self.outputType = outputType
        self.log = log
    }

    public static func success(id: UInt64?, output: [UInt8]) -> ResultMessage {
        ResultMessage(ok: true, id: id, output: output, error: nil, code: nil)
    }

    public static func failure(id: UInt64?, _ code: FailureCode, _ error: String) -> ResultMessage {
        ResultMessage(ok: false, id: id, output: nil, error: error, code: code)
    }
}
