/// The spec's worker reply, `{"ok":true,"output":"..."}` or `{"ok":false,"error":"..."}`, plus
/// the request `id` and, on failure, a `code` saying why. It carries no `"type"` on the wire,
/// as in the spec; it is recognised by its `ok` field.
public struct ResultMessage: Codable, Sendable {
    public var ok: Bool
    public var id: UInt64?
    public var output: String?
    public var error: String?
    public var code: FailureCode?
    public var encoding: PayloadEncoding?

    public static func success(id: UInt64?, output: [UInt8]) -> ResultMessage {
        let (text, encoding) = PayloadEncoding.encode(output)
        return ResultMessage(ok: true, id: id, output: text, error: nil, code: nil, encoding: encoding)
    }

    public static func failure(id: UInt64?, _ code: FailureCode, _ error: String) -> ResultMessage {
        ResultMessage(ok: false, id: id, output: nil, error: error, code: code, encoding: nil)
    }

    public var outputBytes: [UInt8]? { output.flatMap { PayloadEncoding.decode($0, encoding) } }
}
