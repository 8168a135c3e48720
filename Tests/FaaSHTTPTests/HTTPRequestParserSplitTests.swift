import XCTest

import FaaSHTTP

/// However the bytes are split across reads, the parser must produce exactly the same results.
final class HTTPRequestParserSplitTests: XCTestCase {
    func testSamplesProduceTheirExpectedOutcome() {
        var outcomes: [String: String] = [:]
        for sample in httpSamples {
            let (results, problem) = runParser(sample.bytes, cuts: [], limits: sample.limits)
            XCTAssertNil(problem, sample.name)
            outcomes[sample.name] = results.map { result -> String in
                switch result {
                case .needMoreBytes: return "more"
                case .headComplete: return "head"
                case .request(let r): return "req \(r.path)"
                case .error(let e): return "\(e.status.code)"
                }
            }.joined(separator: ",")
        }
        XCTAssertEqual(outcomes["get"], "req /")
        XCTAssertEqual(outcomes["post-content-length"], "head,req /invoke")
        XCTAssertEqual(outcomes["chunked-extensions-trailers"], "head,req /deploy")
        XCTAssertEqual(outcomes["pipelined"], "req /1,head,req /2,head,req /3,req /4,req /5")
        XCTAssertEqual(outcomes["bare-lf"], "req /x,head,req /")
        XCTAssertEqual(outcomes["leading-crlf"], "req /,req /b")
        XCTAssertEqual(outcomes["expect-continue"], "head,req /f,req /")
        XCTAssertEqual(outcomes["folding-after-valid"], "req /,400")
        XCTAssertEqual(outcomes["smuggling"], "req /,400")
        XCTAssertEqual(outcomes["chunk-missing-crlf"], "head,400")
        XCTAssertEqual(outcomes["uri-too-long"], "414")
        XCTAssertEqual(outcomes["uri-at-limit-no-version"], "400")
        XCTAssertEqual(outcomes["uri-over-limit-no-version"], "414")
        XCTAssertEqual(outcomes["head-too-large"], "431")
        XCTAssertEqual(outcomes["method-64"], "req /,400")
        XCTAssertEqual(outcomes["chunked-over-limit"], "head,413")
        XCTAssertEqual(outcomes["content-length-over-limit"], "413")
        XCTAssertEqual(outcomes["small-ok"], "head,req /")
        XCTAssertEqual(outcomes["trailers-too-large"], "head,431")
        XCTAssertEqual(outcomes["chunk-line-too-long"], "head,400")
        XCTAssertEqual(outcomes["version-505"], "req /,505")
        XCTAssertEqual(outcomes["unknown-te"], "501")
        XCTAssertEqual(outcomes["bad-percent"], "400")
    }

    func testEverySingleSplitGivesIdenticalResults() {
        for sample in httpSamples {
            let reference = runParser(sample.bytes, cuts: [], limits: sample.limits).results
            for k in 0...sample.bytes.count {
                for compact in [true, false] {
                    let (results, problem) = runParser(sample.bytes, cuts: [k], limits: sample.limits, compact: compact)
                    if let problem { return XCTFail("\(sample.name) split at \(k): \(problem)") }
                    if results != reference {
                        return XCTFail("\(sample.name) split at \(k) (compact \(compact)): \(results) != \(reference)")
                    }
                }
            }
        }
    }

    func testByteByByteGivesIdenticalResults() {
        for sample in httpSamples {
            let reference = runParser(sample.bytes, cuts: [], limits: sample.limits).results
            let (results, problem) = runParser(sample.bytes, cuts: Array(0...sample.bytes.count), limits: sample.limits)
            XCTAssertNil(problem, sample.name)
            XCTAssertEqual(results, reference, sample.name)
        }
    }

    func testEveryPairOfSplitsGivesIdenticalResults() {
        for sample in httpSamples where sample.bytes.count <= 200 {
            let reference = runParser(sample.bytes, cuts: [], limits: sample.limits).results
            for i in 0...sample.bytes.count {
                for j in i...sample.bytes.count {
                    let (results, problem) = runParser(sample.bytes, cuts: [i, j], limits: sample.limits)
                    if let problem { return XCTFail("\(sample.name) split at \(i),\(j): \(problem)") }
                    if results != reference {
                        return XCTFail("\(sample.name) split at \(i),\(j): \(results) != \(reference)")
                    }
                }
            }
        }
    }
}
