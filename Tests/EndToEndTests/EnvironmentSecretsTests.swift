import Foundation
import XCTest

/// Per-function environment variables in every language, and secrets: stored owner-only,
/// listed by name, readable only by the functions that named them, never shown.
final class EnvironmentSecretsTests: SuiteTestCase {
    func testEnvironmentReachesEveryLanguage() throws {
        let suite = try suite
        let env = "&env=GREETING=hello&env=WHO=w%C3%B6rld%20%3D%201"
        let cases: [(String, String, String)] = [
            ("js", "module.exports = () => `${process.env.GREETING} ${process.env.WHO}`;", "hello wörld = 1"),
            ("js", "console.log(process.env.GREETING, process.env.WHO)", "hello wörld = 1\n"),
            ("python", "import os\ndef handler(p):\n    return os.environ['GREETING'] + ' ' + os.environ['WHO']\n", "hello wörld = 1"),
            ("python", "import os\nprint(os.environ['GREETING'], os.environ['WHO'])\n", "hello wörld = 1\n"),
            ("c", "#include <stdio.h>\n#include <stdlib.h>\nint main(void) { printf(\"%s %s\\n\", getenv(\"GREETING\"), getenv(\"WHO\")); return 0; }\n", "hello wörld = 1\n"),
            ("rust", "fn main() { println!(\"{} {}\", std::env::var(\"GREETING\").unwrap(), std::env::var(\"WHO\").unwrap()); }\n", "hello wörld = 1\n"),
            ("go", "package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n\nfunc main() { fmt.Println(os.Getenv(\"GREETING\"), os.Getenv(\"WHO\")) }\n", "hello wörld = 1\n"),
        ]
        for (index, (language, source, expected)) in cases.enumerated() {
            let name = uniqueName("env\(index)")
            let response = try suite.deploy(name, language, source: source, query: env)
            XCTAssertEqual(response.status, 201, "\(language): \(response)")
            XCTAssertEqual((try response.json()["env"] as? [String: String])?["GREETING"], "hello")
            XCTAssertEqual(try suite.invokeText(name, ""), expected, language)
        }
        // Another function does not see them.
        let other = uniqueName("noenv")
        _ = try suite.deployOK(other, "python", source: "import os\nprint(os.environ.get('GREETING', 'unset'))\n")
        XCTAssertEqual(try suite.invokeText(other, ""), "unset\n")
        for bad in ["&env=PATH=/tmp", "&env=1A=x", "&env=FAAS_FUNCTION_ID=x", "&env=LD_PRELOAD=/x.so", "&env=NOVALUE"] {
            let response = try suite.deploy(uniqueName("badenv"), "python", source: "print(1)", query: bad)
            XCTAssertEqual(response.status, 400, "\(bad): \(response)")
        }
    }

    func testSecretsReachOnlyTheFunctionsThatNameThem() throws {
        let suite = try suite
        let value = "s3cr3t-\(UUID().uuidString)"
        let secret = uniqueName("dbpass")
        XCTAssertEqual(try suite.request("PUT", "/secrets/\(secret)", body: value).status, 200)
        XCTAssertEqual(try suite.request("PUT", "/secrets/other-\(secret)", body: "other").status, 200)
        let list = try suite.request("GET", "/secrets")
        XCTAssertEqual(list.status, 200)
        XCTAssertTrue(((try list.json()["secrets"] as? [String]) ?? []).contains(secret), list.text)
        XCTAssertFalse(list.text.contains(value))
        // Owner-only on disk.
        let folder = suite.functionsDirectory + "/.secrets"
        XCTAssertEqual((try FileManager.default.attributesOfItem(atPath: folder)[.posixPermissions] as? Int), 0o700)
        XCTAssertEqual((try FileManager.default.attributesOfItem(atPath: "\(folder)/\(secret)")[.posixPermissions] as? Int), 0o600)

        let reader = """
            def read(path):
                try:
                    with open(path) as f:
                        return f.read()
                except OSError as e:
                    return type(e).__name__
            def handler(p):
                return read('/var/secrets/\(secret)') + '|' + read('/var/openfaas/secrets/\(secret)') + '|' + read('/var/secrets/other-\(secret)')
            """
        let allowed = uniqueName("withsecret")
        let deployed = try suite.deploy(allowed, "python", source: reader, query: "&secrets=\(secret)")
        XCTAssertEqual(deployed.status, 201, "\(deployed)")
        XCTAssertEqual(try deployed.json()["secrets"] as? [String], [secret])
        XCTAssertEqual(try suite.invokeText(allowed, ""), "\(value)|\(value)|FileNotFoundError")
        let denied = uniqueName("nosecret")
        _ = try suite.deployOK(denied, "python", source: reader)
        XCTAssertEqual(try suite.invokeText(denied, ""), "FileNotFoundError|FileNotFoundError|FileNotFoundError")
        // Nor through the functions folder: the sandbox has no view of it.
        let snoop = uniqueName("snoop")
        _ = try suite.deployOK(snoop, "python", source: """
            import glob, os
            def handler(p):
                found = [f for top in ('/var', '/fn', '/tmp', '/rt', '/etc') for f in glob.glob(top + '/**', recursive=True) if 'secret' in f]
                return str(found) + ' ' + str(os.path.exists('\(suite.functionsDirectory)/.secrets/\(secret)'))
            """)
        XCTAssertEqual(try suite.invokeText(snoop, ""), "[] False")

        // The value is nowhere to be seen: answers, metadata, logs.
        for path in ["/function/\(allowed)", "/functions", "/function/\(allowed)/versions", "/secrets"] {
            XCTAssertFalse(try suite.request("GET", path).text.contains(value), path)
        }
        let metadata = try String(contentsOfFile: "\(suite.functionsDirectory)/\(try XCTUnwrap(try deployed.json()["id"] as? String))/metadata.json", encoding: .utf8)
        XCTAssertFalse(metadata.contains(value))
        for daemon in ["gateway", "server", "load-balancer"] {
            XCTAssertFalse(((try? String(contentsOfFile: suite.logPath(daemon), encoding: .utf8)) ?? "").contains(value), daemon)
        }

        let unknown = try suite.deploy(uniqueName("unknown"), "python", source: reader, query: "&secrets=no-such-secret")
        XCTAssertEqual(unknown.status, 400)
        XCTAssertTrue(unknown.text.contains("no-such-secret"), unknown.text)
        // Secrets are the admin's: a deploy key may not touch them.
        let key = try suite.request("POST", "/keys", body: #"{"scopes":["deploy","read","invoke"]}"#)
        let deployKey = try XCTUnwrap(try key.json()["key"] as? String)
        for (method, path) in [("PUT", "/secrets/\(secret)"), ("GET", "/secrets"), ("DELETE", "/secrets/\(secret)")] {
            let response = try suite.request(method, path, body: Data("x".utf8), headers: [("Authorization", "Bearer \(deployKey)")])
            XCTAssertEqual(response.status, 403, "\(method) \(path)")
        }
        XCTAssertEqual(try suite.request("PUT", "/secrets/bad%2Fname", body: "x").status, 400)
        XCTAssertEqual(try suite.request("DELETE", "/secrets/\(secret)").status, 200)
        XCTAssertEqual(try suite.request("DELETE", "/secrets/\(secret)").status, 404)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(folder)/\(secret)"))
    }
}
