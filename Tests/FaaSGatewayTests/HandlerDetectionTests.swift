import FaaSStore
import XCTest

@testable import FaaSGateway

/// Which entry point a deploy finds in a JS or Python source (issue 12), and the plan it makes.
final class HandlerDetectionTests: XCTestCase {
    private func find(_ source: String, _ language: Language) -> HandlerDetection.Finding {
        HandlerDetection.find(Array(source.utf8), language)
    }

    func testPythonConventions() {
        let table: [(String, HandlerDetection.Finding)] = [
            ("def handler(event):\n    return event\n", .entry("handler")),
            ("async def handler(event):\n    return event\n", .entry("handler")),
            ("handler = lambda event: event\n", .entry("handler")),
            ("import json\ndef lambda_handler(event, context):\n    return {'statusCode': 200}\n", .entry("lambda_handler")),
            ("def handle(req):\n    \"\"\"handle a request\"\"\"\n    return req\n", .entry("handle")),
            ("def main(args):\n    return {'payload': args}\n", .entry("main")),
            // Preferred in this order when several are defined.
            ("def main(a):\n    return a\ndef handler(e):\n    return e\n", .entry("handler")),
            // Recursion is no call; a call by the module makes it a program.
            ("def main(n):\n    return main(n - 1) if n else 0\n", .entry("main")),
            ("import sys\ndef main():\n    print(sys.stdin.read())\nif __name__ == '__main__':\n    main()\n", .program),
            ("def handler(p):\n    return p\nprint(handler('x'))\n", .program),
            // In a string or a comment it is no definition.
            ("print('''\ndef handler(e):\n    pass\n''')\n", .program),
            ("# def handler(e):\nprint(1)\n", .program),
            ("import sys\nprint(sys.stdin.read())\n", .program),
            ("class A:\n    def handler(self, p):\n        return p\nprint('x')\n", .program),
            // Functions, no output as a program, no known entry point: refused with the candidates.
            ("import json\n\ndef helper(x):\n    return x\n\nasync def process(e):\n    return helper(e)\n", .noEntry(candidates: ["helper", "process"])),
            // The same with a top-level call or an output is a program.
            ("def helper(x):\n    return x\nhelper(1)\n", .program),
            ("def helper(x):\n    sys.stdout.write(x)\n", .program),
            // A source that does not parse runs as a program, so the call says why.
            ("def broken(:\n", .program),
        ]
        for (source, expected) in table {
            XCTAssertEqual(find(source, .python), expected, source)
        }
    }

    func testJavaScriptConventions() {
        let table: [(String, HandlerDetection.Finding)] = [
            ("module.exports = async (event) => event;", .entry("handler")),
            ("let n=0; module.exports = () => String(++n);", .entry("handler")),
            ("exports.handler = async (event, context) => ({ statusCode: 200 });", .entry("handler")),
            ("exports.handler = (event, context, callback) => callback(null, 1);", .entry("handler")),
            ("exports.default = (p) => p", .entry("handler")),
            ("exports.main = (params) => params;", .entry("main")),
            ("function main(params) {\n  return { payload: params.name };\n}\n", .entry("main")),
            ("async function main(params) {\n  return params;\n}\n", .entry("main")),
            ("function main() { console.log('x'); }\nmain();\n", .program),
            ("// function main(params) {}\nconsole.log(1);", .program),
            ("console.log(require('fs').readFileSync(0, 'utf8'));", .program),
            ("function helper(x) { return x; }\nconst run = (e) => helper(e);\n", .noEntry(candidates: ["helper", "run"])),
            ("function helper(x) { return x; }\nconsole.log(helper(1));\n", .program),
            ("function broken( {\n", .program),
        ]
        for (source, expected) in table {
            XCTAssertEqual(find(source, .js), expected, source)
        }
    }

    func testPlans() {
        func plan(_ source: String, _ language: Language, mode: FunctionMode? = nil, entrypoint: String? = nil) -> String {
            switch DeployPlan.decide(language: language, requested: mode, entrypoint: entrypoint, source: Array(source.utf8)) {
            case .success(let plan): return "\(plan.mode.rawValue) \(plan.entrypoint)"
            case .failure(let failure): return "\(failure.status.code)"
            }
        }
        XCTAssertEqual(plan("def lambda_handler(e, c):\n    return e\n", .python), "handler lambda_handler")
        XCTAssertEqual(plan("def compute(e):\n    return e\n", .python, entrypoint: "compute"), "handler compute")
        XCTAssertEqual(plan("def compute(e):\n    return e\n", .python, entrypoint: "other"), "422")
        XCTAssertEqual(plan("def compute(e):\n    return e\n", .python, mode: .command, entrypoint: "compute"), "400")
        XCTAssertEqual(plan("module.exports = (e) => e;", .js, entrypoint: "handler"), "handler handler")
        XCTAssertEqual(plan("def helper(x):\n    return x\n", .python), "422")
        XCTAssertEqual(plan("def helper(x):\n    return x\n", .python, mode: .command), "command main", "an explicit command is run as asked")
        XCTAssertEqual(plan("def main(a):\n    return a\nmain(1)\n", .python, mode: .handler), "handler main", "mode=handler: called or not")
        XCTAssertEqual(plan("print(1)\n", .python, mode: .handler), "422")
        XCTAssertEqual(plan("package main\n\nfunc main() {}\n", .go), "command main")
    }

    func testEntryPointNames() {
        for valid in ["handler", "lambda_handler", "_private", "Main2"] { XCTAssertTrue(EntryPointName.isValid(valid), valid) }
        for invalid in ["", "1abc", "a-b", "a.b", "class", "def", "None", "é", String(repeating: "a", count: 65)] {
            XCTAssertFalse(EntryPointName.isValid(invalid), invalid)
        }
    }
}
