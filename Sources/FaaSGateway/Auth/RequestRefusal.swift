import FaaSHTTP

/// A request refused while parsing its parameters: the answer to send.
struct RequestRefusal: Error {
    let response: HTTPResponse

    init(_ status: HTTPStatus, _ message: String) {
        response = HTTPResponse.jsonError(status: status, message: message)
    }
}
