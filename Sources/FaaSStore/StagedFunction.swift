/// A function being deployed: its files sit in a private staging folder until `publish` renames
/// the folder into place in one step, so readers see all of it or none of it.
public struct StagedFunction: Sendable {
    public let directory: String
    public let language: Language
    public let sourceSize: Int

    public var sourcePath: String { directory + "/" + language.sourceFile }
    public var wasmPath: String { directory + "/code.wasm" }
}
