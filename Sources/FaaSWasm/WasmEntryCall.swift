/// The function a run calls, resolved before paying for a store: its export index, the parsed
/// arguments and the kinds of its results.
struct WasmEntryCall {
    let index: Int
    let args: [WasmVal]
    let resultKinds: [UInt8]
}
