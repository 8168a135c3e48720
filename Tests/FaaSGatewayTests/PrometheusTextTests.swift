@testable import FaaSGateway
import XCTest

/// The exposition format every `/metrics` section is written in.
final class PrometheusTextTests: XCTestCase {
    func testFamiliesAreDeclaredOnceBeforeTheirSamples() {
        var out = PrometheusText()
        out.counter("faas_x_total", help: "Things.", labels: ["route": "invoke", "status": "200"], 3)
        out.counter("faas_x_total", help: "Things.", labels: ["route": "deploy", "status": "201"], 1)
        out.gauge("faas_up", 1)
        out.gauge("faas_age_seconds", 2.5)
        XCTAssertEqual(out.text, """
            # HELP faas_x_total Things.
            # TYPE faas_x_total counter
            faas_x_total{route="invoke",status="200"} 3
            faas_x_total{route="deploy",status="201"} 1
            # TYPE faas_up gauge
            faas_up 1
            # TYPE faas_age_seconds gauge
            faas_age_seconds 2.5

            """)
    }

    func testADeclaredFamilyWithoutSamplesStillSaysWhatItIs() {
        var out = PrometheusText()
        out.declare("faas_failures_total", .counter, help: "Failures.")
        out.declare("faas_failures_total", .counter, help: "Failures.")
        XCTAssertEqual(out.text, "# HELP faas_failures_total Failures.\n# TYPE faas_failures_total counter\n")
    }

    func testHistogramHasCumulativeBucketsInfSumAndCount() {
        var out = PrometheusText()
        out.histogram("faas_d_seconds", help: "Latency.", bounds: [0.5, 1], buckets: [2, 3], sum: 1.75, count: 4)
        XCTAssertEqual(out.text, """
            # HELP faas_d_seconds Latency.
            # TYPE faas_d_seconds histogram
            faas_d_seconds_bucket{le="0.5"} 2
            faas_d_seconds_bucket{le="1.0"} 3
            faas_d_seconds_bucket{le="+Inf"} 4
            faas_d_seconds_sum 1.75
            faas_d_seconds_count 4

            """)
    }

    func testLabelValuesAndHelpAreEscaped() {
        var out = PrometheusText()
        out.counter("faas_e_total", help: "A \\ and\na newline.", labels: ["reason": "say \"hi\"\\\nbye"], 1)
        XCTAssertEqual(out.text, """
            # HELP faas_e_total A \\\\ and\\na newline.
            # TYPE faas_e_total counter
            faas_e_total{reason="say \\"hi\\"\\\\\\nbye"} 1

            """)
        XCTAssertEqual(PrometheusText.format(.infinity), "+Inf")
        XCTAssertEqual(PrometheusText.format(-.infinity), "-Inf")
        XCTAssertEqual(PrometheusText.format(.nan), "NaN")
    }

    /// The three sections together: no family twice, every sample after its TYPE line.
    func testGatewaySectionsTogetherDeclareEachFamilyOnce() {
        var gateway = GatewayMetrics()
        gateway.countRequest(route: "invoke", status: 200)
        gateway.observeInvoke(outcome: "ok", seconds: 0.002)
        var auth = AuthMetrics()
        auth.failures["unknown_key"] = 2
        var out = PrometheusText()
        gateway.render(functions: 2, connections: 1, inFlight: 0, serverConnected: true, into: &out)
        auth.render(into: &out)
        InvocationMetrics().render(running: 0, now: 0, into: &out)
        var typed: Set<String> = []
        for line in out.text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                let name = String(line.split(separator: " ")[2])
                XCTAssertTrue(typed.insert(name).inserted, "TYPE of \(name) written twice")
            } else if !line.hasPrefix("#") {
                let name = String(line.prefix { $0 != "{" && $0 != " " })
                let family = ["_bucket", "_sum", "_count"].reduce(name) { name, suffix in
                    name.hasSuffix(suffix) && typed.contains(String(name.dropLast(suffix.count))) ? String(name.dropLast(suffix.count)) : name
                }
                XCTAssertTrue(typed.contains(family), "\(name) before its TYPE line")
            }
        }
        XCTAssertTrue(out.text.contains("faas_http_requests_total{route=\"invoke\",status=\"200\"} 1\n"))
        XCTAssertTrue(out.text.contains("faas_auth_failures_total{reason=\"unknown_key\"} 2\n"))
        XCTAssertTrue(out.text.contains("faas_rate_limited_total{limit=\"public\"} 0\n"))
    }
}
