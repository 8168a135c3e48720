import FaaSHTTP
import FaaSProtocol
import Foundation
import XCTest
@testable import FaaSGateway

/// How `/fn/` turns a function's result into its HTTP answer, JSON outputs included (the
/// runtimes that type their results arrive with branch `conventions`; the mapping is the gateway's).
final class FunctionHTTPResponseTests: XCTestCase {
    private func json(_ text: String) -> HTTPResponse {
        FunctionHTTPResponse.make(from: ResultMessage(ok: true, id: 1, output: Array(text.utf8), error: nil, code: nil, outputType: .json))
    }

    private func headers(_ response: HTTPResponse) -> [String] {
        response.headers.map { "\($0.name): \($0.value)" }
    }

    func testProxyResponseGivesStatusHeadersAndBody() {
        let response = json(#"{"statusCode":201,"headers":{"Content-Type":"text/html","X-Count":3,"X-Ok":true},"body":"<p>hi</p>"}"#)
        XCTAssertEqual(response.status.code, 201)
        XCTAssertEqual(headers(response), ["Content-Type: text/html", "X-Count: 3", "X-Ok: true"])
        XCTAssertEqual(String(decoding: response.body, as: UTF8.self), "<p>hi</p>")
    }

    func testBase64BodyIsDecoded() {
        let bytes: [UInt8] = [0, 255, 1, 128]
        let response = json(#"{"statusCode":200,"headers":{"content-type":"image/png"},"body":"\#(Data(bytes).base64EncodedString())","isBase64Encoded":true}"#)
        XCTAssertEqual(response.body, bytes)
        let bad = json(#"{"statusCode":200,"body":"!!!not base64","isBase64Encoded":true}"#)
        XCTAssertEqual(bad.status.code, 500)
        XCTAssertTrue(String(decoding: bad.body, as: UTF8.self).contains("base64"))
    }

    func testMultiValueHeadersAndCookies() {
        let response = json(#"{"statusCode":302,"multiValueHeaders":{"X-Tag":["a","b"]},"cookies":["a=1; Path=/","b=2"],"headers":{"Location":"/next"}}"#)
        XCTAssertEqual(response.status.code, 302)
        XCTAssertEqual(headers(response), ["Location: /next", "X-Tag: a", "X-Tag: b", "Set-Cookie: a=1; Path=/", "Set-Cookie: b=2"])
        XCTAssertTrue(response.body.isEmpty)
    }

    func testFramingHopByHopAndSplittingHeadersAreDropped() {
        let response = json(#"{"statusCode":200,"headers":{"Content-Length":"999","Transfer-Encoding":"chunked","Connection":"close","Keep-Alive":"x","Upgrade":"h2c","X-Evil":"a\r\nSet-Cookie: stolen=1","Bad Name":"x","X-Fine":"yes"},"body":"ok"}"#)
        XCTAssertEqual(headers(response), ["X-Fine: yes", "Content-Type: application/json"])
        // And the serializer frames the body itself: one Content-Length, the true one.
        let wire = String(decoding: response.serialize(keepAlive: true), as: UTF8.self)
        XCTAssertTrue(wire.contains("Content-Length: 2\r\n"), wire)
        XCTAssertFalse(wire.contains("stolen"), wire)
        XCTAssertFalse(wire.contains("999"), wire)
    }

    func testInvalidStatusCodeIsTheFunctionsFailure() {
        for text in [#"{"statusCode":"abc"}"#, #"{"statusCode":99}"#, #"{"statusCode":600}"#, #"{"statusCode":null}"#, #"{"statusCode":200,"headers":[1]}"#,
                     #"{"statusCode":200,"body":{"a":1}}"#] {
            let response = json(text)
            XCTAssertEqual(response.status.code, 500, text)
            XCTAssertTrue(String(decoding: response.body, as: UTF8.self).contains(#""ok":false"#), text)
        }
        // A numeric string is taken, as handlers sometimes send it.
        XCTAssertEqual(json(#"{"statusCode":"404","body":"nope"}"#).status.code, 404)
    }

    func testOtherJSONIsA200WithTheOutput() {
        for text in [#"{"n":2}"#, "[1,2]", "42", #""text""#, "null", #"{"status":404}"#] {
            let response = json(text)
            XCTAssertEqual(response.status.code, 200, text)
            XCTAssertEqual(response.headers.first(name: "Content-Type"), "application/json", text)
            XCTAssertEqual(String(decoding: response.body, as: UTF8.self), text)
        }
    }

    func testTextOutputIsPlainTextOrOctets() {
        // A handler that returned a JSON-looking string is still text: only JSON outputs are shaped.
        let shaped = #"{"statusCode":201,"body":"x"}"#
        let text = FunctionHTTPResponse.make(from: .success(id: 1, output: Array(shaped.utf8)))
        XCTAssertEqual(text.status.code, 200)
        XCTAssertEqual(text.headers.first(name: "Content-Type"), "text/plain; charset=utf-8")
        XCTAssertEqual(String(decoding: text.body, as: UTF8.self), shaped)
        let binary = FunctionHTTPResponse.make(from: .success(id: 1, output: [0xff, 0xfe, 0x00]))
        XCTAssertEqual(binary.headers.first(name: "Content-Type"), "application/octet-stream")
        XCTAssertEqual(binary.body, [0xff, 0xfe, 0x00])
    }

    func testFailuresKeepTheInvokeStatuses() {
        let crashed = FunctionHTTPResponse.make(from: .failure(id: 1, .failed, "Traceback: boom"))
        XCTAssertEqual(crashed.status.code, 500)
        XCTAssertTrue(String(decoding: crashed.body, as: UTF8.self).contains("boom"))
        XCTAssertEqual(FunctionHTTPResponse.make(from: .failure(id: 1, .timeout, "timed out")).status.code, FailureCode.timeout.httpStatus)
        XCTAssertEqual(FunctionHTTPResponse.make(from: .failure(id: 1, .noWorker, "busy")).status.code, FailureCode.noWorker.httpStatus)
    }

    func testFnRequestSplitsNameAndSubPathAndDropsCredentials() throws {
        let target = try XCTUnwrap(FnRequest(path: "/fn/my%2Dfn/a/b%20c"))
        XCTAssertEqual(target.function, "my-fn")
        XCTAssertEqual(target.subPath, "/a/b%20c")
        XCTAssertEqual(FnRequest(path: "/fn/plain")?.subPath, "/")
        XCTAssertNil(FnRequest(path: "/fn/"))
        let head = try HTTPRequestHead(method: "PATCH", target: "/fn/plain/x?q=1&r", headers: [
            "Authorization": "Bearer secret", "X-API-Key": "k", "Proxy-Authorization": "p", "Accept": "text/html", "X-Custom": "v",
        ])
        let event = try XCTUnwrap(FnRequest(path: head.path)).event(HTTPRequest(head: head), sourceIP: "10.0.0.7")
        XCTAssertEqual(event.method, "PATCH")
        XCTAssertEqual(event.path, "/x")
        XCTAssertEqual(event.query, "q=1&r")
        XCTAssertEqual(event.headers.map(\.name), ["accept", "x-custom"])
        XCTAssertEqual(event.sourceIP, "10.0.0.7")
    }
}
