import Foundation
import FaaSHTTP

/// The web console's files (Sources/FaaSGateway/UI), compiled into the gateway so that nothing
/// has to be installed beside it, served at `/ui/`. Only the names in this table exist: any
/// other path (`../`, encoded or not, included) is 404, so there is no file system to escape.
enum ConsoleAssets {
    struct Asset {
        let body: [UInt8]
        let contentType: String
        /// A strong validator from the content's hash: unchanged files answer 304.
        let etag: String

        init(_ body: [UInt8], _ contentType: String) {
            self.body = body
            self.contentType = contentType
            etag = "\"" + Crypto.hex(Array(Crypto.sha256(body).prefix(12))) + "\""
        }
    }

    static let index = "index.html"

    static let files: [String: Asset] = [
        "index.html": Asset(PackageResources.index_html, "text/html; charset=utf-8"),
        "console.css": Asset(PackageResources.console_css, "text/css; charset=utf-8"),
        "favicon.svg": Asset(PackageResources.favicon_svg, "image/svg+xml"),
        "app.js": Asset(PackageResources.app_js, "text/javascript; charset=utf-8"),
        "api.js": Asset(PackageResources.api_js, "text/javascript; charset=utf-8"),
        "dom.js": Asset(PackageResources.dom_js, "text/javascript; charset=utf-8"),
        "highlight.js": Asset(PackageResources.highlight_js, "text/javascript; charset=utf-8"),
        "metrics.js": Asset(PackageResources.metrics_js, "text/javascript; charset=utf-8"),
        "charts.js": Asset(PackageResources.charts_js, "text/javascript; charset=utf-8"),
        "functions.js": Asset(PackageResources.functions_js, "text/javascript; charset=utf-8"),
        "function.js": Asset(PackageResources.function_js, "text/javascript; charset=utf-8"),
        "deploy.js": Asset(PackageResources.deploy_js, "text/javascript; charset=utf-8"),
        "overview.js": Asset(PackageResources.overview_js, "text/javascript; charset=utf-8"),
        "invocations.js": Asset(PackageResources.invocations_js, "text/javascript; charset=utf-8"),
        "versions.js": Asset(PackageResources.versions_js, "text/javascript; charset=utf-8"),
        "logs.js": Asset(PackageResources.logs_js, "text/javascript; charset=utf-8"),
    ]

    /// The page's own scripts, styles and images only: no inline script, nothing from elsewhere,
    /// never framed.
    static let contentSecurityPolicy = "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'"

    /// The answer for `/ui/NAME` (`name` nil or empty: the index): the file with its type,
    /// validator and policy headers, 304 when `ifNoneMatch` names its ETag, 404 for any other name.
    static func response(for name: String?, ifNoneMatch: String?) -> HTTPResponse {
        let name = (name?.isEmpty ?? true) ? index : name!
        guard let asset = files[name] else {
            return HTTPResponse.jsonError(status: .notFound, message: "no such console file: \(name)")
        }
        var headers: HTTPHeaders = [
            "ETag": asset.etag,
            // Revalidated every time: a new gateway's console is seen at once, a 304 is a few bytes.
            "Cache-Control": "no-cache",
            "Content-Security-Policy": contentSecurityPolicy,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        ]
        if let ifNoneMatch, ifNoneMatch.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == asset.etag || $0.trimmingCharacters(in: .whitespaces) == "*" }) {
            return HTTPResponse(status: .notModified, headers: headers)
        }
        headers.add(name: "Content-Type", value: asset.contentType)
        return HTTPResponse(status: .ok, headers: headers, body: asset.body)
    }
}
