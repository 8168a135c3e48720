import Foundation
import FaaSHTTP

/// Every route of the gateway in one table: path -> allowed methods -> what the caller needs
/// (checked by the authenticator, in one place for all routes), which query parameters the
/// route knows, and the handler. A method not in the table is 405 with `Allow`; `HEAD` goes
/// where `GET` goes.
struct Router<Handler> {
    enum Pattern {
        case exact(String)
        /// `/function/NAME`: the rest of the path is the parameter (percent-decoded).
        case prefix(String)
        /// `/function/NAME/logs`, `/function/NAME/versions`: what is between is the parameter (percent-decoded, no `/`).
        case between(String, String)
    }

    /// What an endpoint needs before its handler runs.
    enum Requirement {
        case open
        /// Any valid key or token; the handler decides what it may see (`/invocations`).
        case authenticated
        case scope(Scope)
        /// Invoke the function named by the `fn` query parameter (a key reaching it, or a public function).
        case invokeFunction
        /// Invoke the function named by the path (`/fn/NAME/...`), as `invokeFunction`.
        case invokePathFunction

        var isPathFunction: Bool {
            if case .invokePathFunction = self { return true }
            return false
        }
    }

    /// An endpoint for every method the route has no endpoint of its own for (`/fn/`: the
    /// function decides what a method means).
    static var anyMethod: HTTPMethod { "*" }

    struct Endpoint {
        let method: HTTPMethod
        let requirement: Requirement
        /// Query parameters the endpoint understands; any other is refused with 400.
        let query: Set<String>
        /// The query is not the gateway's (`/fn/`: it is passed to the function as is).
        var passesQuery = false
        let handler: Handler

        init(method: HTTPMethod, requirement: Requirement, query: Set<String>, passesQuery: Bool = false, handler: Handler) {
            self.method = method
            self.requirement = requirement
            self.query = query
            self.passesQuery = passesQuery
            self.handler = handler
        }
    }

    struct Route {
        /// The `route` label in `/metrics`.
        let name: String
        let pattern: Pattern
        let endpoints: [Endpoint]

        /// The `Allow` header value: the methods in the table (`HEAD` with `GET`).
        var allow: String {
            var methods = endpoints.map(\.method.rawValue)
            if methods.contains("GET") && !methods.contains("HEAD") { methods.insert("HEAD", at: methods.firstIndex(of: "GET")! + 1) }
            return methods.joined(separator: ", ")
        }

        func endpoint(for method: HTTPMethod) -> Endpoint? {
            endpoints.first { $0.method == method } ?? (method == .HEAD ? endpoints.first { $0.method == .GET } : nil)
                ?? endpoints.first { $0.method == Router.anyMethod }
        }
    }

    private(set) var routes: [Route] = []

    mutating func add(_ name: String, _ pattern: Pattern, _ endpoints: [Endpoint]) {
        routes.append(Route(name: name, pattern: pattern, endpoints: endpoints))
    }

    /// The route for `path` and its parameter (for prefix routes).
    func match(_ path: String) -> (route: Route, parameter: String?)? {
        for route in routes {
            switch route.pattern {
            case .exact(let exact) where path == exact:
                return (route, nil)
            case .prefix(let prefix) where path.hasPrefix(prefix) && path.count > prefix.count:
                let raw = String(path.dropFirst(prefix.count))
                return (route, raw.removingPercentEncodingSafely)
            case .between(let prefix, let suffix) where path.hasPrefix(prefix) && path.hasSuffix(suffix) && path.count > prefix.count + suffix.count:
                let raw = String(path.dropFirst(prefix.count).dropLast(suffix.count))
                guard !raw.contains("/") else { continue }
                return (route, raw.removingPercentEncodingSafely)
            default:
                continue
            }
        }
        return nil
    }

    /// The route name for metrics of a request known only by its target's start (a request
    /// refused before it was complete: 413, 414, 431, 501).
    func routeName(forTarget target: String) -> String? {
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? target
        if let (route, _) = match(path) { return route.name }
        // A target cut short (414) still names its route by its start.
        for route in routes {
            switch route.pattern {
            case .exact(let exact) where target.hasPrefix(exact + "?"): return route.name
            case .prefix(let prefix) where target.hasPrefix(prefix): return route.name
            case .between(let prefix, let suffix) where target.hasPrefix(prefix) && target.contains(suffix + "?"): return route.name
            default: continue
            }
        }
        return nil
    }

    /// The query parameters of `request` that `endpoint` does not know, in order, once each.
    static func unknownParameters(_ request: HTTPRequest, _ endpoint: Endpoint) -> [String] {
        var unknown: [String] = []
        guard !endpoint.passesQuery else { return unknown }
        for item in request.queryItems where !endpoint.query.contains(item.name) && !unknown.contains(item.name) {
            unknown.append(item.name)
        }
        return unknown
    }
}

extension String {
    /// Percent-decoded, or as is when it does not decode.
    fileprivate var removingPercentEncodingSafely: String { removingPercentEncoding ?? self }
}
