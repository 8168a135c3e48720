/// A function being deployed: its files sit in a private staging folder until `publish` renames
/// the folder into place in one step, so readers see all of it or none of it.
public struct StagedFunction: Sendable {
    public let directory: String
    public let language: Language
    public let sourceSize: Int
    /// A bundle: its archive's format and its entry file (relative to `src/`).
    public var bundle: ArchiveFormat? = nil
    public var entryFile: String? = nil

    /// The source file, or a bundle's entry file in its unpacked tree.
    public var sourcePath: String {
        if bundle != nil, let entryFile { return treePath + "/" + entryFile }
        return directory + "/" + language.sourceFile
    }
    /// A bundle's unpacked tree.
    public var treePath: String { directory + "/" + FunctionStore.bundleTree }
    public var wasmPath: String { directory + "/code.wasm" }
}
