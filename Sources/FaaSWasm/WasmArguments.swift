/// Export mode: numeric arguments parsed from the payload, results rendered as text.
enum WasmArguments {
    struct ArgumentError: Error {
        let message: String
    }

    /// Splits `2 3`, `2,3`, `2, 3` or a JSON array `[2,3]` into tokens.
    static func tokens(_ payload: [UInt8]) -> [Substring] {
        var text = Substring(String(decoding: payload, as: UTF8.self))
        text = text.drop(while: { $0.isWhitespace })
        while let last = text.last, last.isWhitespace { text = text.dropLast() }
        if text.first == "[", text.last == "]" {
            text = text.dropFirst().dropLast()
        }
        return text.split(whereSeparator: { $0 == "," || $0.isWhitespace })
    }

    /// Converts the payload to values of the given kinds, or explains what is wrong.
    static func parse(_ payload: [UInt8], kinds: [UInt8], function: String) -> Result<[WasmVal], ArgumentError> {
        let toks = tokens(payload)
        guard toks.count == kinds.count else {
            let want = kinds.map(typeName).joined(separator: ", ")
            return .failure(ArgumentError(message: "\(function) takes \(kinds.count) argument\(kinds.count == 1 ? "" : "s") (\(want)), got \(toks.count)"))
        }
        var vals: [WasmVal] = []
        vals.reserveCapacity(kinds.count)
        for (i, (tok, kind)) in zip(toks, kinds).enumerated() {
            guard let v = value(String(tok), kind: kind) else {
                return .failure(ArgumentError(message: "argument \(i + 1) of \(function): '\(tok)' is not a valid \(typeName(kind))"))
            }
            vals.append(v)
        }
        return .success(vals)
    }

    /// One token as a wasm value. Integers accept the signed and the unsigned range (same bits);
    /// a JSON-style `"5"` quoted number is accepted too.
    static func value(_ token: String, kind: UInt8) -> WasmVal? {
        var t = Substring(token)
        if t.count >= 2, t.first == "\"", t.last == "\"" { t = t.dropFirst().dropLast() }
        let s = String(t)
        switch kind {
        case WasmVal.i32:
            if let v = Int32(s) { return WasmVal(i32: v) }
            if let u = UInt32(s) { return WasmVal(i32: Int32(bitPattern: u)) }
            return nil
        case WasmVal.i64:
            if let v = Int64(s) { return WasmVal(i64: v) }
            if let u = UInt64(s) { return WasmVal(i64: Int64(bitPattern: u)) }
            return nil
        case WasmVal.f32:
            return Float(s).map { WasmVal(f32: $0) }
        case WasmVal.f64:
            return Double(s).map { WasmVal(f64: $0) }
        default:
            return nil
        }
    }

    /// Results as text, space-separated: integers in decimal, floats in Swift's shortest
    /// round-tripping form (`2.5`, `5.0`, `inf`, `nan`).
    static func render(_ vals: [WasmVal]) -> String {
        vals.map { v -> String in
            switch v.kind {
            case WasmVal.i32: return String(v.asI32)
            case WasmVal.i64: return String(v.asI64)
            case WasmVal.f32: return v.asF32.description
            case WasmVal.f64: return v.asF64.description
            default: return "<ref>"
            }
        }.joined(separator: " ")
    }

    static func typeName(_ kind: UInt8) -> String {
        switch kind {
        case WasmVal.i32: return "i32"
        case WasmVal.i64: return "i64"
        case WasmVal.f32: return "f32"
        case WasmVal.f64: return "f64"
        case 128: return "externref"
        case 129: return "funcref"
        default: return "type \(kind)"
        }
    }

    static func isNumeric(_ kind: UInt8) -> Bool { kind <= WasmVal.f64 }
}
