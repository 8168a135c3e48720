import Foundation
import XCTest

import FaaSHTTP

final class HTTPResponseTests: XCTestCase {
    private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    func testJSONDefaultsAndContentLength() {
        let response = HTTPResponse(status: .ok, body: #"{"ok":true,"output":"hi"}"#)
        XCTAssertEqual(
            text(response.serialize(keepAlive: true)),
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 25\r\n\r\n{\"ok\":true,\"output\":\"hi\"}")
    }

    func testConnectionHeader() {
        let response = HTTPResponse(status: .notFound, body: "{}")
        XCTAssertTrue(text(response.serialize(keepAlive: false)).contains("\r\nConnection: close\r\n"))
        XCTAssertFalse(text(response.serialize(keepAlive: true)).contains("Connection"))
        XCTAssertTrue(
            text(response.serialize(keepAlive: true, requestVersion: .http1_0)).contains("\r\nConnection: keep-alive\r\n"))
        XCTAssertTrue(text(response.serialize(keepAlive: false, requestVersion: .http1_0)).contains("Connection: close"))
    }

    func testCallerHeadersKeptButFramingHeadersOwnedBySerializer() {
        let response = HTTPResponse(
            status: .created,
            headers: [
                "Content-Type": "text/plain; charset=utf-8", "content-length": "999", "Connection": "keep-alive",
                "Transfer-Encoding": "chunked", "X-Request-Id": "42", "X-Dup": "a", "x-dup": "b",
            ],
            body: "source")
        XCTAssertEqual(
            text(response.serialize(keepAlive: false)),
            "HTTP/1.1 201 Created\r\nContent-Type: text/plain; charset=utf-8\r\nX-Request-Id: 42\r\nX-Dup: a\r\nx-dup: b\r\n"
                + "Content-Length: 6\r\nConnection: close\r\n\r\nsource")
    }

    func testEmptyBodyHasLengthZeroAndNoContentType() {
        XCTAssertEqual(text(HTTPResponse(status: .ok).serialize(keepAlive: true)), "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    }

    func testNoBodyStatusesAndHead() {
        let noContent = HTTPResponse(status: .noContent, body: "ignored")
        XCTAssertEqual(text(noContent.serialize(keepAlive: true)), "HTTP/1.1 204 No Content\r\n\r\n")
        let notModified = HTTPResponse(status: .notModified)
        XCTAssertEqual(text(notModified.serialize(keepAlive: false)), "HTTP/1.1 304 Not Modified\r\nConnection: close\r\n\r\n")
        let head = HTTPResponse(status: .ok, body: "hello").serialize(keepAlive: true, omitBody: true)
        XCTAssertEqual(text(head), "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\n")
    }

    func testHeaderInjectionIsNeutralized() {
        let response = HTTPResponse(
            status: HTTPStatus(code: 200, reasonPhrase: "OK\r\nX-Evil: 1"),
            headers: ["X-Name": "a\r\nSet-Cookie: evil=1", "Bad Name": "x", "": "y", "X-Ok": "tab\tkept"],
            body: "{}")
        let serialized = text(response.serialize(keepAlive: true))
        XCTAssertEqual(
            serialized,
            "HTTP/1.1 200 OK  X-Evil: 1\r\nX-Name: a  Set-Cookie: evil=1\r\nX-Ok: tab\tkept\r\n"
                + "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
    }

    func testSerializeIntoAppends() {
        var buffer = Array("prefix".utf8)
        HTTPResponse(status: .ok, body: "a").serialize(keepAlive: true, into: &buffer)
        HTTPResponse(status: .accepted, body: "b").serialize(keepAlive: false, into: &buffer)
        XCTAssertEqual(
            text(buffer),
            "prefixHTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1\r\n\r\na"
                + "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 1\r\nConnection: close\r\n\r\nb")
    }

    func testLargeBodyLength() {
        let body = [UInt8](repeating: 0x41, count: 1_234_567)
        let bytes = HTTPResponse(status: .ok, headers: ["Content-Type": "application/octet-stream"], body: body)
            .serialize(keepAlive: true)
        XCTAssertTrue(text(Array(bytes.prefix(100))).contains("Content-Length: 1234567\r\n"))
        XCTAssertEqual(bytes.count, 1_234_567 + 84)
    }

    func testReasonPhrases() {
        let expected: [Int: String] = [
            100: "Continue", 200: "OK", 400: "Bad Request", 404: "Not Found", 409: "Conflict", 413: "Payload Too Large",
            414: "URI Too Long", 431: "Request Header Fields Too Large", 500: "Internal Server Error",
            501: "Not Implemented", 503: "Service Unavailable", 504: "Gateway Timeout", 505: "HTTP Version Not Supported",
            299: "Success", 499: "Client Error", 999: "Unknown",
        ]
        for (code, phrase) in expected {
            XCTAssertEqual(HTTPStatus(code: code).reasonPhrase, phrase, "\(code)")
        }
        XCTAssertEqual(HTTPStatus.payloadTooLarge.code, 413)
        XCTAssertEqual(HTTPStatus(code: 418, reasonPhrase: "I'm a teapot").description, "418 I'm a teapot")
        XCTAssertEqual(
            text(HTTPResponse(status: HTTPStatus(code: 599)).serialize(keepAlive: true)),
            "HTTP/1.1 599 Server Error\r\nContent-Length: 0\r\n\r\n")
    }

    func testJSONErrorEscaping() {
        let response = HTTPResponse.jsonError(status: .internalServerError, message: "bad \"x\"\\\n\u{1}é")
        XCTAssertEqual(text(response.body), #"{"error":"bad \"x\"\\\n\u0001é","ok":false}"#)
        XCTAssertEqual(response.status, .internalServerError)
    }

    func testSerializedResponseParsesAsJSON() throws {
        let response = HTTPResponse.jsonError(status: .badRequest, message: "a \"quoted\"\tmessage\r\n")
        let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        XCTAssertEqual(object?["error"] as? String, "a \"quoted\"\tmessage\r\n")
        XCTAssertEqual(object?["ok"] as? Bool, false)
    }
}
