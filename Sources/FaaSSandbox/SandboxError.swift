/// A sandbox that cannot be built: a tool it needs is missing. Callers answer 503 (deploy) or
/// fail the invocation, naming what is missing, instead of running the code unconfined.
public enum SandboxError: Error, CustomStringConvertible, Equatable {
    case missingTool(name: String, path: String)

    public var description: String {
        switch self {
        case .missingTool(let name, let path):
            let fix = name == "bubblewrap"
                ? "install bubblewrap (scripts/setup) or point --bwrap / FAAS_BWRAP at it; FAAS_SANDBOX=none turns isolation off"
                : "install util-linux"
            return "the sandbox needs \(name) at \(path), which is missing or not executable: \(fix)"
        }
    }
}
