import FaaSSystem

/// The wire coding of `WireMessage`, written by hand: the JSON line (field names as in the
/// spec, see `WireProtocol`) and the raw attachment that may follow it. It is the only codec of
/// the protocol; the daemons' hot path pays for no generic Encoder/Decoder machinery.
extension WireMessage {
    public struct FieldError: Error, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    /// Appends the message as one JSON object (no newline) and returns the bytes to send raw
    /// after the line, if it announces some (`payload_bytes` / `output_bytes`).
    public func appendJSON(to out: inout [UInt8]) -> [UInt8]? {
        switch self {
        case .invoke(let m):
            let attachment = Self.appendRequest("invoke", id: m.id, fn: m.fn, payload: m.payload, form: m.bodyForm, timeout: m.timeout,
                                                memory: m.memory, context: m.context, to: &out)
            if let concurrency = m.concurrency {
                out.removeLast()
                Self.appendKey("concurrency", to: &out)
                out.append(contentsOf: String(concurrency).utf8)
                out.append(UInt8(ascii: "}"))
            }
            return attachment
        case .job(let m):
            return Self.appendRequest("job", id: m.id, fn: m.fn, payload: m.payload, form: .attached, timeout: m.timeout, memory: m.memory,
                                      context: m.context, to: &out)
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
            let attachment = WireMessage.job(m.job).appendJSON(to: &out)
            out.append(UInt8(ascii: "}"))
            return attachment
        case .ping(let m):
            out.append(contentsOf: #"{"type":"ping""#.utf8)
            Self.appendKey("id", to: &out)
            Self.appendNumber(m.id, to: &out)
            out.append(UInt8(ascii: "}"))
        case .pong(let m):
            out.append(contentsOf: #"{"type":"pong""#.utf8)
            Self.appendKey("id", to: &out)
            Self.appendNumber(m.id, to: &out)
            if let state = m.loadBalancer {
                Self.appendKey("load_balancer", to: &out)
                JSONText.appendString(state.rawValue, to: &out)
            }
            if let workers = m.workers {
                Self.appendKey("workers_busy", to: &out)
                out.append(contentsOf: String(workers.busy).utf8)
                Self.appendKey("workers_idle", to: &out)
                out.append(contentsOf: String(workers.idle).utf8)
                Self.appendKey("workers_starting", to: &out)
                out.append(contentsOf: String(workers.starting).utf8)
            }
            out.append(UInt8(ascii: "}"))
        case .result(let m):
            out.append(contentsOf: m.ok ? #"{"ok":true"#.utf8 : #"{"ok":false"#.utf8)
            if let id = m.id {
                Self.appendKey("id", to: &out)
                Self.appendNumber(id, to: &out)
            }
            var attachment: [UInt8]?
            if let output = m.output {
                attachment = Self.appendBody(output, form: m.bodyForm, inline: "output", attached: "output_bytes", to: &out)
            }
            if let error = m.error {
                Self.appendKey("error", to: &out)
                JSONText.appendString(error, to: &out)
            }
            if let code = m.code {
                Self.appendKey("code", to: &out)
                JSONText.appendString(code.rawValue, to: &out)
            }
            if let type = m.outputType, type != .text {
                Self.appendKey("output_type", to: &out)
                JSONText.appendString(type.rawValue, to: &out)
            }
            if let log = m.log {
                Self.appendKey("log", to: &out)
                JSONText.appendString(log, to: &out)
            }
            out.append(UInt8(ascii: "}"))
            return attachment
        }
        return nil
    }

    /// Decodes a message line. `attachment` is the byte count that must follow the line (0 when
    /// none); those bytes go in with `attach(_:)`.
    public static func decodeHeader(_ json: JSONValue) throws -> (message: WireMessage, attachment: Int) {
        guard case .object = json else { throw FieldError(reason: "a message must be a JSON object") }
        guard let typeValue = json["type"] else {
            guard json["ok"] != nil else { throw FieldError(reason: "message has neither \"type\" nor \"ok\"") }
            return try result(json)
        }
        guard let name = typeValue.string, let type = MessageType(rawValue: name) else {
            throw FieldError(reason: "unknown message type \(typeValue)")
        }
        switch type {
        case .invoke:
            let (fields, attachment) = try request(json)
            let form: BodyForm = json["payload"] != nil ? .inline : .attached
            let concurrency = try optionalInt(json, "concurrency")
            if let concurrency, concurrency < 1 { throw FieldError(reason: "\"concurrency\" must be at least 1") }
            return (.invoke(InvokeMessage(id: fields.id, fn: fields.fn, payload: fields.payload, timeout: fields.timeout,
                                          memory: fields.memory, concurrency: concurrency, bodyForm: form, context: fields.context)), attachment)
        case .job:
            let (job, attachment) = try job(json)
            return (.job(job), attachment)
        case .registerWorker:
            return (.registerWorker(RegisterWorkerMessage(workerID: try int(json, "worker_id"), pid: try pid(json))), 0)
        case .unregisterWorker:
            return (.unregisterWorker(UnregisterWorkerMessage(workerID: try int(json, "worker_id"), pid: try pid(json))), 0)
        case .workerDone:
            return (.workerDone(WorkerDoneMessage(workerID: try int(json, "worker_id"), pid: try pid(json), id: try uint(json, "id"))), 0)
        case .forwardToWorker:
            guard let nested = json["job"] else { throw FieldError(reason: "missing field \"job\"") }
            let (job, attachment) = try job(nested)
            return (.forwardToWorker(ForwardToWorkerMessage(workerID: try int(json, "worker_id"), pid: try pid(json), job: job)), attachment)
        case .result:
            return try result(json)
        case .ping:
            return (.ping(PingMessage(id: try uint(json, "id"))), 0)
        case .pong:
            var state: PongMessage.PartState?
            if let text = try optionalString(json, "load_balancer") {
                guard let parsed = PongMessage.PartState(rawValue: text) else { throw FieldError(reason: "unknown load_balancer state \(text.debugDescription)") }
                state = parsed
            }
            var workers: PongMessage.WorkerCounts?
            if let busy = try optionalInt(json, "workers_busy") {
                workers = PongMessage.WorkerCounts(busy: busy, idle: try optionalInt(json, "workers_idle") ?? 0,
                                                   starting: try optionalInt(json, "workers_starting") ?? 0)
            }
            return (.pong(PongMessage(id: try uint(json, "id"), loadBalancer: state, workers: workers)), 0)
        }
    }

    /// Puts the attachment announced by the line in its field.
    public mutating func attach(_ bytes: [UInt8]) {
        switch self {
        case .invoke(var m): m.payload = bytes; self = .invoke(m)
        case .job(var m): m.payload = bytes; self = .job(m)
        case .forwardToWorker(var m): m.job.payload = bytes; self = .forwardToWorker(m)
        case .result(var m): m.output = bytes; self = .result(m)
        case .registerWorker, .unregisterWorker, .workerDone, .ping, .pong: break
        }
    }

    // MARK: decoding helpers

    private static func job(_ json: JSONValue) throws -> (JobMessage, Int) {
        if let type = json["type"], type.string != "job" { throw FieldError(reason: "expected a job") }
        let (fields, attachment) = try request(json)
        return (JobMessage(id: fields.id, fn: fields.fn, payload: fields.payload, timeout: fields.timeout, memory: fields.memory,
                           context: fields.context), attachment)
    }

    private static func request(_ json: JSONValue) throws
        -> (fields: (id: UInt64, fn: String, payload: [UInt8]?, timeout: Double?, memory: Int?, context: InvocationContext?), attachment: Int)
    {
        let (payload, attachment) = try body(json, inline: "payload", attached: "payload_bytes")
        var context: InvocationContext?
        if let ctx = json["ctx"], !ctx.isNull { context = try InvocationContext(json: ctx) }
        return ((try uint(json, "id"), try string(json, "fn"), payload, try optionalDouble(json, "timeout"), try optionalInt(json, "memory"),
                 context), attachment)
    }

    private static func result(_ json: JSONValue) throws -> (WireMessage, Int) {
        guard let ok = json["ok"]?.bool else { throw FieldError(reason: "\"ok\" must be a boolean") }
        var code: FailureCode?
        if let value = json["code"], !value.isNull {
            guard let text = value.string, let parsed = FailureCode(rawValue: text) else { throw FieldError(reason: "unknown failure code \(value)") }
            code = parsed
        }
        let (output, attachment) = try body(json, inline: "output", attached: "output_bytes")
        let form: BodyForm = json["output"] != nil ? .inline : .attached
        var outputType: OutputType?
        if let text = try optionalString(json, "output_type") {
            guard let parsed = OutputType(rawValue: text) else { throw FieldError(reason: "unknown output_type \(text.debugDescription)") }
            outputType = parsed
        }
        let message = ResultMessage(ok: ok, id: try optionalUInt(json, "id"), output: output,
                                    error: try optionalString(json, "error"), code: code, bodyForm: form,
                                    outputType: outputType, log: try optionalString(json, "log"))
        return (.result(message), attachment)
    }

    /// A payload or output: inline (a string, base64 with `"encoding":"base64"`), attached (a
    /// byte count: the bytes follow the line), or absent. An attachment of 0 bytes is empty.
    private static func body(_ json: JSONValue, inline: String, attached: String) throws -> ([UInt8]?, Int) {
        let encoding = try encoding(json)
        if let count = try optionalInt(json, attached) {
            guard json[inline] == nil else { throw FieldError(reason: "both \"\(inline)\" and \"\(attached)\"") }
            guard count >= 0, count <= WireProtocol.maxAttachmentLength else {
                throw FieldError(reason: "\"\(attached)\" must be in 0...\(WireProtocol.maxAttachmentLength)")
            }
            guard encoding == nil else { throw FieldError(reason: "\"encoding\" applies to \"\(inline)\" only") }
            return (count == 0 ? [] : nil, count)
        }
        guard let text = try optionalString(json, inline) else { return (nil, 0) }
        guard let bytes = PayloadEncoding.decode(text, encoding) else { throw FieldError(reason: "\"\(inline)\" is not valid base64") }
        return (bytes, 0)
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

    private static func appendRequest(_ type: String, id: UInt64, fn: String, payload: [UInt8]?, form: BodyForm,
                                      timeout: Double?, memory: Int?, context: InvocationContext?, to out: inout [UInt8]) -> [UInt8]? {
        out.append(contentsOf: #"{"type":""#.utf8)
        out.append(contentsOf: type.utf8)
        out.append(UInt8(ascii: "\""))
        appendKey("id", to: &out)
        appendNumber(id, to: &out)
        appendKey("fn", to: &out)
        JSONText.appendString(fn, to: &out)
        var attachment: [UInt8]?
        if let payload {
            attachment = appendBody(payload, form: form, inline: "payload", attached: "payload_bytes", to: &out)
        }
        if let timeout, timeout.isFinite {
            appendKey("timeout", to: &out)
            out.append(contentsOf: "\(timeout)".utf8)
        }
        if let memory {
            appendKey("memory", to: &out)
            out.append(contentsOf: String(memory).utf8)
        }
        if let context {
            appendKey("ctx", to: &out)
            context.appendJSON(to: &out)
        }
        out.append(UInt8(ascii: "}"))
        return attachment
    }

    /// Writes a payload or output field; returns the bytes to attach (nil: written inline).
    private static func appendBody(_ bytes: [UInt8], form: BodyForm, inline: StaticString, attached: StaticString,
                                   to out: inout [UInt8]) -> [UInt8]? {
        switch form {
        case .attached:
            appendKey(attached, to: &out)
            out.append(contentsOf: String(bytes.count).utf8)
            return bytes.isEmpty ? nil : bytes
        case .inline:
            appendKey(inline, to: &out)
            if let encoding = PayloadEncoding.appendJSONString(bytes, to: &out) {
                appendKey("encoding", to: &out)
                JSONText.appendString(encoding.rawValue, to: &out)
            }
            return nil
        }
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
