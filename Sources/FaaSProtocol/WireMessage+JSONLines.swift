import FaaSSystem

/// The hot-path coding of `WireMessage`: hand-written, byte-for-byte the same JSON as the
/// Codable conformance produces (same field names, same meaning), without the generic
/// Encoder/Decoder machinery, which dominated the daemons' CPU profile.
extension WireMessage {
    public struct FieldError: Error, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    /// Appends the message as one JSON object (no newline).
    public func appendJSON(to out: inout [UInt8]) {
        switch self {
        case .invoke(let m):
            Self.appendRequest("invoke", id: m.id, fn: m.fn, payload: m.payload, encoding: m.encoding, timeout: m.timeout, memory: m.memory, to: &out)
        case .job(let m):
            Self.appendRequest("job", id: m.id, fn: m.fn, payload: m.payload, encoding: m.encoding, timeout: m.timeout, memory: m.memory, to: &out)
        case .registerWorker(let m):
            Self.appendWorker("register_worker", workerID: m.workerID, pid: m.pid, to: &out)
            out.append(UInt8(ascii: "}"))
        case .unregisterWorker(let m):
            Self.appendWorker("unregister_worker", workerID: m.workerID, pid: m.pid, to: &out)
            out.append(UInt8(ascii: "}"))
        case .workerDone(let m):
            Self.appendWorker("worker_done", workerID: m.workerID, pid: m.pid, to: &out)
            Self.appendKey("id", to: &out)
            Self.appendNumber(m.id, to: &out)
            out.append(UInt8(ascii: "}"))
        case .forwardToWorker(let m):
            Self.appendWorker("forward_to_worker", workerID: m.workerID, pid: m.pid, to: &out)
            Self.appendKey("job", to: &out)
            WireMessage.job(m.job).appendJSON(to: &out)
            out.append(UInt8(ascii: "}"))
        case .result(let m):
            out.append(contentsOf: m.ok ? #"{"ok":true"#.utf8 : #"{"ok":false"#.utf8)
            if let id = m.id {
                Self.appendKey("id", to: &out)
                Self.appendNumber(id, to: &out)
            }
            if let output = m.output {
                Self.appendKey("output", to: &out)
                JSONText.appendString(output, to: &out)
            }
            if let error = m.error {
                Self.appendKey("error", to: &out)
                JSONText.appendString(error, to: &out)
            }
            if let code = m.code {
                Self.appendKey("code", to: &out)
                JSONText.appendString(code.rawValue, to: &out)
            }
            if let encoding = m.encoding {
                Self.appendKey("encoding", to: &out)
                JSONText.appendString(encoding.rawValue, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Decodes a message from a parsed JSON object, with the same rules as `init(from:)`.
    public init(json: JSONValue) throws {
        guard case .object = json else { throw FieldError(reason: "a message must be a JSON object") }
        guard let typeValue = json["type"] else {
            guard json["ok"] != nil else { throw FieldError(reason: "message has neither \"type\" nor \"ok\"") }
            self = .result(try Self.result(json))
            return
        }
        guard let name = typeValue.string, let type = MessageType(rawValue: name) else {
            throw FieldError(reason: "unknown message type \(typeValue)")
        }
        switch type {
        case .invoke:
            let fields = try Self.request(json)
            var message = InvokeMessage(id: fields.id, fn: fields.fn, payload: [], timeout: fields.timeout, memory: fields.memory)
            message.payload = fields.payload
            message.encoding = fields.encoding
            self = .invoke(message)
        case .job:
            self = .job(try Self.job(json))
        case .registerWorker:
            self = .registerWorker(RegisterWorkerMessage(workerID: try Self.int(json, "worker_id"), pid: try Self.pid(json)))
        case .unregisterWorker:
            self = .unregisterWorker(UnregisterWorkerMessage(workerID: try Self.int(json, "worker_id"), pid: try Self.pid(json)))
        case .workerDone:
            self = .workerDone(WorkerDoneMessage(workerID: try Self.int(json, "worker_id"), pid: try Self.pid(json), id: try Self.uint(json, "id")))
        case .forwardToWorker:
            guard let job = json["job"] else { throw FieldError(reason: "missing field \"job\"") }
            self = .forwardToWorker(ForwardToWorkerMessage(workerID: try Self.int(json, "worker_id"), pid: try Self.pid(json), job: try Self.job(job)))
        case .result:
            self = .result(try Self.result(json))
        }
    }

    // MARK: decoding helpers

    private static func job(_ json: JSONValue) throws -> JobMessage {
        if let type = json["type"], type.string != "job" { throw FieldError(reason: "expected a job") }
        let fields = try request(json)
        return JobMessage(id: fields.id, fn: fields.fn, payload: fields.payload, encoding: fields.encoding, timeout: fields.timeout, memory: fields.memory)
    }

    private static func request(_ json: JSONValue) throws -> (id: UInt64, fn: String, payload: String, encoding: PayloadEncoding?, timeout: Double?, memory: Int?) {
        (try uint(json, "id"), try string(json, "fn"), try string(json, "payload"), try encoding(json),
         try optionalDouble(json, "timeout"), try optionalInt(json, "memory"))
    }

    private static func result(_ json: JSONValue) throws -> ResultMessage {
        guard let ok = json["ok"]?.bool else { throw FieldError(reason: "\"ok\" must be a boolean") }
        var code: FailureCode?
        if let value = json["code"], !value.isNull {
            guard let text = value.string, let parsed = FailureCode(rawValue: text) else { throw FieldError(reason: "unknown failure code \(value)") }
            code = parsed
        }
        return ResultMessage(ok: ok, id: try optionalUInt(json, "id"), output: try optionalString(json, "output"),
                             error: try optionalString(json, "error"), code: code, encoding: try encoding(json))
    }

    private static func encoding(_ json: JSONValue) throws -> PayloadEncoding? {
        guard let value = json["encoding"], !value.isNull else { return nil }
        guard let text = value.string, let encoding = PayloadEncoding(rawValue: text) else { throw FieldError(reason: "unknown encoding \(value)") }
        return encoding
    }

    /// A field that may be absent (or null); present, it must convert.
    private static func optional<T>(_ json: JSONValue, _ key: String, _ kind: String, _ convert: (JSONValue) -> T?) throws -> T? {
        guard let value = json[key], !value.isNull else { return nil }
        guard let converted = convert(value) else { throw FieldError(reason: "\"\(key)\" must be \(kind)") }
        return converted
    }

    /// A field that must be there.
    private static func required<T>(_ json: JSONValue, _ key: String, _ kind: String, _ convert: (JSONValue) -> T?) throws -> T {
        guard let value = try optional(json, key, kind, convert) else { throw FieldError(reason: "missing field \"\(key)\"") }
        return value
    }

    private static func string(_ json: JSONValue, _ key: String) throws -> String { try required(json, key, "a string", \.string) }
    private static func optionalString(_ json: JSONValue, _ key: String) throws -> String? { try optional(json, key, "a string", \.string) }
    private static func uint(_ json: JSONValue, _ key: String) throws -> UInt64 { try required(json, key, "a non-negative integer", \.uint64) }
    private static func optionalUInt(_ json: JSONValue, _ key: String) throws -> UInt64? { try optional(json, key, "a non-negative integer", \.uint64) }
    private static func int(_ json: JSONValue, _ key: String) throws -> Int { try required(json, key, "an integer", anInt) }
    private static func optionalInt(_ json: JSONValue, _ key: String) throws -> Int? { try optional(json, key, "an integer", anInt) }
    private static func optionalDouble(_ json: JSONValue, _ key: String) throws -> Double? {
        try optional(json, key, "a number", { $0.double.flatMap { $0.isFinite ? $0 : nil } })
    }
    private static func anInt(_ value: JSONValue) -> Int? { value.int64.flatMap { Int(exactly: $0) } }

    private static func pid(_ json: JSONValue) throws -> Int32 {
        let value = try int(json, "pid")
        guard let pid = Int32(exactly: value) else { throw FieldError(reason: "\"pid\" out of range") }
        return pid
    }

    // MARK: encoding helpers

    private static func appendRequest(_ type: String, id: UInt64, fn: String, payload: String, encoding: PayloadEncoding?,
                                      timeout: Double?, memory: Int?, to out: inout [UInt8]) {
        out.append(contentsOf: #"{"type":""#.utf8)
        out.append(contentsOf: type.utf8)
        out.append(UInt8(ascii: "\""))
        appendKey("id", to: &out)
        appendNumber(id, to: &out)
        appendKey("fn", to: &out)
        JSONText.appendString(fn, to: &out)
        appendKey("payload", to: &out)
        JSONText.appendString(payload, to: &out)
        if let encoding {
            appendKey("encoding", to: &out)
            JSONText.appendString(encoding.rawValue, to: &out)
        }
        if let timeout, timeout.isFinite {
            appendKey("timeout", to: &out)
            out.append(contentsOf: "\(timeout)".utf8)
        }
        if let memory {
            appendKey("memory", to: &out)
            out.append(contentsOf: String(memory).utf8)
        }
        out.append(UInt8(ascii: "}"))
    }

    /// Opens `{"type":...,"worker_id":N,"pid":N` (the caller closes the object).
    private static func appendWorker(_ type: String, workerID: Int, pid: Int32, to out: inout [UInt8]) {
        out.append(contentsOf: #"{"type":""#.utf8)
        out.append(contentsOf: type.utf8)
        out.append(UInt8(ascii: "\""))
        appendKey("worker_id", to: &out)
        out.append(contentsOf: String(workerID).utf8)
        appendKey("pid", to: &out)
        out.append(contentsOf: String(pid).utf8)
    }

    private static func appendKey(_ key: StaticString, to out: inout [UInt8]) {
        out.append(UInt8(ascii: ","))
        out.append(UInt8(ascii: "\""))
        out.append(contentsOf: UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
        out.append(UInt8(ascii: "\""))
        out.append(UInt8(ascii: ":"))
    }

    private static func appendNumber(_ value: UInt64, to out: inout [UInt8]) {
        out.append(contentsOf: String(value).utf8)
    }
}
