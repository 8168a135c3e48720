import FaaSStore

/// The gateway's JSON answers as typed values, encoded by `HTTPResponse.json` (the invoke
/// result is the wire's result message, `Gateway.invokeResponse`).
enum ResponseBodies {
    /// A function as `/deploy` and `/functions` show it.
    struct FunctionSummary: Encodable {
        let id: String
        let name: String
        let language: Language
        let version: Int
        let entrypoint: String
        let mode: FunctionMode
        let createdAt: String
        let size: Int
        let timeout: Double?
        let memory: Int?
        /// Present only when set: anyone may invoke it; `cors` the origin allowed to.
        let isPublic: Bool?
        let cors: String?

        enum CodingKeys: String, CodingKey {
            case id, name, language, version, entrypoint, mode, size, timeout, memory, cors
            case isPublic = "public"
            case createdAt = "created_at"
        }

        init(_ metadata: FunctionMetadata) {
            id = metadata.id
            name = metadata.name
            language = metadata.language
            version = metadata.version
            entrypoint = metadata.entrypoint
            mode = metadata.mode
            createdAt = metadata.createdAt
            size = metadata.size
            timeout = metadata.timeout
            memory = metadata.memory
            isPublic = metadata.isPublic == true ? true : nil
            cors = metadata.cors
        }
    }

    struct FunctionList: Encodable {
        let functions: [FunctionSummary]
    }

    struct Health: Encodable {
        let ok: Bool
        let server: String
        let functions: Int
    }

    struct Deleted: Encodable {
        let ok = true
        let deleted: [String]
    }
}
