import FaaSStore
import Foundation

/// A bundle's `function.json`: the deploy's settings carried with the code. Query parameters
/// override each field; unknown fields are refused, so a typo never passes silently.
struct BundleManifest: Decodable, Equatable {
    static let fileName = "function.json"

    var name: String?
    var language: String?
    var entrypoint: String?
    var mode: String?
    var timeout: Double?
    var memory: Int?
    var env: [String: String]?
    var secrets: [String]?

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case name, language, entrypoint, mode, timeout, memory, env, secrets
    }

    /// The manifest at the bundle's root, if any; a malformed one is a 400 naming the problem.
    static func read(from bundle: BundleArchive) throws(RequestRefusal) -> BundleManifest? {
        guard let bytes = bundle.contents(of: fileName) else { return nil }
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: Data(bytes)) } catch {
            throw RequestRefusal(.badRequest, "\(fileName) is not valid JSON")
        }
        guard let fields = object as? [String: Any] else { throw RequestRefusal(.badRequest, "\(fileName) must be a JSON object") }
        let known = Set(CodingKeys.allCases.map(\.rawValue))
        let unknown = fields.keys.filter { !known.contains($0) }.sorted()
        guard unknown.isEmpty else {
            throw RequestRefusal(.badRequest, "\(fileName): unknown field\(unknown.count == 1 ? "" : "s") \(unknown.joined(separator: ", ")); known: \(known.sorted().joined(separator: ", "))")
        }
        do { return try JSONDecoder().decode(BundleManifest.self, from: Data(bytes)) } catch let DecodingError.typeMismatch(_, context) {
            throw RequestRefusal(.badRequest, "\(fileName): \(context.codingPath.map(\.stringValue).joined(separator: ".")) has the wrong type")
        } catch {
            throw RequestRefusal(.badRequest, "\(fileName): \(error)")
        }
    }
}
