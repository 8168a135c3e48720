import XCTest

import FaaSLoadBalancer

final class LoadBalancerOptionsTests: XCTestCase {
    func testLoadBalancerOptionsParseStrategy() throws {
        XCTAssertEqual(try LoadBalancerOptions(arguments: ["--strategy", "FIFO"], environment: [:]).strategy, .fifo)
        XCTAssertEqual(try LoadBalancerOptions(arguments: [], environment: ["FAAS_LB_STRATEGY": "weighted"]).strategy, .weighted)
        XCTAssertEqual(try LoadBalancerOptions(arguments: ["--lb-sock", "/tmp/x.sock"], environment: [:]).socketPath, "/tmp/x.sock")
        XCTAssertThrowsError(try LoadBalancerOptions(arguments: ["--strategy", "random"], environment: [:]))
        XCTAssertThrowsError(try LoadBalancerOptions(arguments: ["--workers", "4"], environment: [:]), "not a load balancer flag")
    }
}
