/// How a call ended when it did not return: the engine's message, and whether the epoch
/// deadline stopped it.
struct WasmCallFailure {
    let message: String
    let interrupted: Bool
}
