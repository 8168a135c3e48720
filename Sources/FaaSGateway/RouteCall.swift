import FaaSHTTP
import FaaSStore

/// One routed request, as a handler gets it: the request, its connection, the path parameter
/// of a prefix route, who is calling (nil on open routes, public calls, or with auth off), and
/// where the answer goes. Invoke routes carry the request's id (`X-Request-Id`), which their
/// every answer carries too.
struct RouteCall {
    let request: HTTPRequest
    let session: HTTPSession
    let parameter: String?
    let principal: Principal?
    var requestID: String? = nil
    let reply: (HTTPResponse) -> Void
    /// The function an invoke route named, as the router resolved it to check access (resolved
    /// once per request): nil when the route names none, `.some(nil)` when it does not exist.
    var function: FunctionMetadata?? = nil
}
