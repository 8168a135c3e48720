import FaaSHTTP
import FaaSStore
import FaaSSandbox

/// `POST /deploy` and `PUT /function/N` as a `Deployer.Request`: the query parameters, a
/// bundle's function.json under them, and on an update the previous version's settings under
/// both (the Deployer starts from them). Every bad value is a 400 naming it.
struct DeployRequestParser {
    let options: GatewayOptions
    let store: FunctionStore
    let secrets: SecretStore

    /// - Parameter bundle: the body read as an archive (the gateway reads it off the loop first:
    ///   its function.json may name the function).
    func parse(_ request: HTTPRequest, name queryName: String?, update: Bool, bundle: BundleArchive?) throws(RequestRefusal) -> Deployer.Request {
        let manifest = try bundle.map { bundle throws(RequestRefusal) in try BundleManifest.read(from: bundle) } ?? nil
        guard let name = queryName ?? manifest?.name, !name.isEmpty else {
            throw RequestRefusal(.badRequest, "missing ?name= (1-64 of A-Z a-z 0-9 _ -)")
        }
        guard FunctionName.isValid(name) else {
            throw RequestRefusal(.badRequest, "invalid function name \(name.debugDescription): use 1-64 of A-Z a-z 0-9 _ -, starting with a letter or digit")
        }
        let previous = update ? store.latest(name: name) : nil
        let languageName = request.queryValue("lang") ?? manifest?.language ?? previous?.language.rawValue
        guard let languageName, !languageName.isEmpty else { throw RequestRefusal(.badRequest, "missing &lang= (\(Language.parameterList))") }
        guard let language = Language(parameter: languageName) else {
            throw RequestRefusal(.badRequest, "unknown language \(languageName.debugDescription): expected \(Language.parameterList)")
        }
        var timeout = manifest?.timeout
        if let text = request.queryValue("timeout"), !text.isEmpty { timeout = Double(text) ?? -1 }
        if let value = timeout, !(value > 0 && value <= options.maxTimeout) {
            throw RequestRefusal(.badRequest, "invalid timeout \(request.queryValue("timeout") ?? String(value)): seconds in (0, \(options.maxTimeout)]")
        }
        var memory = manifest?.memory
        if let text = request.queryValue("memory"), !text.isEmpty { memory = Int(text) ?? -1 }
        if let value = memory, !(1...options.maxMemory).contains(value) {
            throw RequestRefusal(.badRequest, "invalid memory \(request.queryValue("memory") ?? String(value)): MiB in 1...\(options.maxMemory)")
        }
        var concurrency: Int?
        if let text = request.queryValue("concurrency"), !text.isEmpty {
            guard let value = Int(text), (1...Gateway.maxConcurrency).contains(value) else {
                throw RequestRefusal(.badRequest, "invalid concurrency \(text.debugDescription): workers in 1...\(Gateway.maxConcurrency)")
            }
            concurrency = value
        }
        var cpu: Double?
        if let text = request.queryValue("cpu"), !text.isEmpty {
            let range = CgroupLimits.cpuCoreRange
            guard let value = Double(text), value.isFinite, range.contains(value) else {
                throw RequestRefusal(.badRequest, "invalid cpu \(text.debugDescription): cores in \(range.lowerBound)...\(Int(range.upperBound)), e.g. 0.5")
            }
            // WebAssembly runs inside the worker, outside any function's cgroup: refused, not ignored.
            guard !language.compilesToWasm else {
                throw RequestRefusal(.badRequest, "&cpu applies to js, python and go (their runtime's cgroup); "
                                     + "\(language.rawValue) functions run inside the worker, bounded by their time limit")
            }
            cpu = value
        }
        let entrypointText = request.queryValue("entrypoint").flatMap { $0.isEmpty ? nil : $0 } ?? manifest?.entrypoint
        var entrypoint: String?
        var entryFile: String?
        if let bundle {
            // An update without an entrypoint keeps the previous entry file when the new bundle has it.
            let entry: BundleEntry
            if entrypointText == nil, let kept = previous?.entryFile, previous?.bundle != nil, bundle.filePaths.contains(kept) {
                entry = BundleEntry(file: kept, name: nil)
            } else {
                entry = try BundleEntry.resolve(language: language, files: bundle.filePaths, entrypoint: entrypointText)
            }
            entryFile = entry.file
            if let name = entry.name {
                try Self.checkEntrypoint(name, language: language)
                entrypoint = name
            }
        } else if let text = entrypointText {
            try Self.checkEntrypoint(text, language: language)
            entrypoint = text
        }
        var event: EventMode?
        if let text = request.queryValue("event"), !text.isEmpty {
            guard let parsed = EventMode(rawValue: text.lowercased()) else {
                throw RequestRefusal(.badRequest, "invalid event \(text.debugDescription): raw or json")
            }
            guard language == .js || language == .python else {
                throw RequestRefusal(.badRequest, "&event applies to js and python handlers")
            }
            event = parsed
        }
        var mode: FunctionMode?
        if let text = request.queryValue("mode") ?? manifest?.mode, !text.isEmpty {
            // Which modes fit the language is the deploy plan's to say (DeployPlan).
            guard let parsed = FunctionMode(parameter: text) else {
                throw RequestRefusal(.badRequest, "invalid mode \(text.debugDescription): \(language.rawValue) functions run as \(DeployPlan.names(of: language))")
            }
            mode = parsed
        }
        // A bundle's `path/file.NAME` run as a program: the path picks the file, and a program
        // has no function to call.
        if bundle != nil, mode == .command, !language.compilesToWasm { entrypoint = nil }
        var deployRequest = Deployer.Request(name: name, language: language, source: request.body, entrypoint: entrypoint,
                                             timeout: timeout, memory: memory, update: update, mode: mode)
        deployRequest.concurrency = concurrency
        deployRequest.cpu = cpu
        deployRequest.event = event
        deployRequest.access = try FunctionAccess.parse(request)
        deployRequest.bundle = bundle
        deployRequest.entryFile = entryFile
        let envItems = request.queryItems.filter { $0.name == "env" }.map(\.value)
        if !envItems.isEmpty {
            deployRequest.env = try FunctionEnvironment.parse(items: envItems)
        } else if let env = manifest?.env {
            try FunctionEnvironment.check(env)
            deployRequest.env = env
        }
        if let text = request.queryValue("secrets") {
            deployRequest.secrets = try secretNames(text.split(separator: ",", omittingEmptySubsequences: true).map(String.init))
        } else if let names = manifest?.secrets {
            deployRequest.secrets = try secretNames(names)
        }
        return deployRequest
    }

    /// An export of C, C++ or Rust, or a JS or Python handler's function (an identifier of the
    /// language: runtime.py and runtime.js call it by name); a Go handler is always `Handle`.
    private static func checkEntrypoint(_ text: String, language: Language) throws(RequestRefusal) {
        switch language {
        case .js, .python:
            guard EntryPointName.isValid(text) else {
                throw RequestRefusal(.badRequest, "invalid entrypoint \(text.debugDescription): "
                                     + "the handler's function name (A-Z a-z 0-9 _, not starting with a digit, not a keyword)")
            }
        case .go:
            throw RequestRefusal(.badRequest, "&entrypoint names a c, cpp or rust export or a js or python handler; a go handler is always Handle")
        case .c, .cpp, .rust:
            guard FunctionName.isValid(text) else { throw RequestRefusal(.badRequest, "invalid entrypoint \(text.debugDescription)") }
        }
    }

    /// Each must be a stored secret (a typo is a 400 now, not a missing file at run time).
    private func secretNames(_ names: [String]) throws(RequestRefusal) -> [String] {
        for name in names where !secrets.exists(name) {
            throw RequestRefusal(.badRequest, "unknown secret \(name.debugDescription): create it first with PUT /secrets/\(name)")
        }
        return Array(Set(names)).sorted()
    }
}
