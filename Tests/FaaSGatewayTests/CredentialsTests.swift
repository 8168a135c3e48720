import XCTest
import FaaSHTTP
@testable import FaaSGateway

final class CredentialsTests: XCTestCase {
    func testBearerAndBasic() {
        XCTAssertEqual(Credentials(header: "Bearer abc.def-ghi"), .secret("abc.def-ghi"))
        XCTAssertEqual(Credentials(header: "bearer   tok"), .secret("tok"))
        let basic = Data("admin:mfk_secret".utf8).base64EncodedString()
        XCTAssertEqual(Credentials(header: "Basic \(basic)"), .secret("mfk_secret"))
    }

    func testMalformed() {
        for header in ["Bearer", "Bearer a b", "Token abc", "Basic !!!", "Basic " + Data("nocolon".utf8).base64EncodedString(),
                       "Basic " + Data("user:".utf8).base64EncodedString(), "Bearer " + String(repeating: "a", count: 9000), "Bearer a=b",
                       "Bearer \u{e9}"] {
            guard case .malformed = Credentials(header: header) else { return XCTFail("accepted \(header.prefix(40))") }
        }
        var headers = HTTPHeaders()
        headers.add(name: "Authorization", value: "Bearer a")
        headers.add(name: "authorization", value: "Bearer b")
        guard case .malformed = Credentials(headers: headers) else { return XCTFail("two headers accepted") }
        XCTAssertEqual(Credentials(headers: HTTPHeaders()), .none)
    }
}
