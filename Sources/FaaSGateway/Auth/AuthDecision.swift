import FaaSHTTP

/// The authenticator's verdict on one request.
enum AuthDecision {
    /// Go ahead; nil principal: an open route, a public function called without a key, or auth off.
    case allow(Principal?)
    /// Answer this (401, 403 or 429) and do nothing else.
    case refuse(HTTPResponse)
}
