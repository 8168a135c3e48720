import FaaSStore
import XCTest

@testable import FaaSGateway

/// What the deploy counts as code in a Python or JavaScript source (comments and string literals
/// blanked, newlines kept), so that handler names are only found in code.
final class CodeScannerTests: XCTestCase {
    private func python(_ text: String) -> String { CodeScanner.code(text, .python) }
    private func javaScript(_ text: String) -> String { CodeScanner.code(text, .javaScript) }

    private func find(_ source: String, _ language: Language) -> HandlerDetection.Finding {
        HandlerDetection.find(Array(source.utf8), language)
    }

    // MARK: Python

    func testPythonComments() {
        XCTAssertEqual(python(""), "")
        XCTAssertEqual(python("# def handler(e):\nx = 1\n"), "\nx = 1\n")
        XCTAssertEqual(python("x = 1  # handler\n"), "x = 1  \n")
        XCTAssertEqual(python("# it's\nhandler = 1\n"), "\nhandler = 1\n", "a quote in a comment opens no string")
        XCTAssertEqual(python("x = \"#\"; handler = 1"), "x = \"\"; handler = 1", "a # in a string opens no comment")
    }

    func testPythonStrings() {
        XCTAssertEqual(python("x = \"def handler(e):\"\n"), "x = \"\"\n")
        XCTAssertEqual(python("x = 'handler'"), "x = \"\"")
        XCTAssertEqual(python("x = \"\" + '' + \"\"\"\"\"\" + handler"), "x = \"\" + \"\" + \"\" + handler", "empty strings")
        // Prefixes stay code; the literal after them is blanked.
        XCTAssertEqual(python(#"r"\d handler" + b'handler' + f"{handler}" + rb'x'"#), #"r"" + b"" + f"" + rb"""#)
    }

    func testPythonTripleQuotedStrings() {
        XCTAssertEqual(python("x = \"\"\"\ndef handler(e):\n\"\"\"\ny = 1\n"), "x = \n\n\"\"\ny = 1\n", "newlines kept")
        XCTAssertEqual(python("'''\nhandler\n'''"), "\n\n\"\"")
        XCTAssertEqual(python("x = \"\"\"it's \"quoted\" handler\"\"\"; y"), "x = \"\"; y", "a lone quote does not close it")
        XCTAssertEqual(python(#""""a\""""; handler"#), #"""; handler"#, "an escaped quote before the closing three")
    }

    func testPythonEscapes() {
        XCTAssertEqual(python(#"x = "a\"handler"; y"#), #"x = ""; y"#)
        XCTAssertEqual(python(#"'it\'s' + handler"#), #""" + handler"#)
        XCTAssertEqual(python(#""a\\" + handler"#), #""" + handler"#, "an escaped backslash does not escape the quote")
        XCTAssertEqual(python("x = 'a\\\nhandler'\ny"), "x = \"\"\ny", "a backslash-newline continues the string")
    }

    func testPythonUnterminatedAtTheEnd() {
        XCTAssertEqual(python("x = \"handler"), "x = \"\"")
        XCTAssertEqual(python("x = '''handler\ndef f"), "x = \n\"\"")
        XCTAssertEqual(python("x = \"abc\\"), "x = \"\"", "a backslash as the last byte")
    }

    func testPythonFindsNamesOnlyInCode() {
        let table: [(String, HandlerDetection.Finding)] = [
            ("", .program),
            ("'''\ndef handler(e):\n    return e\n'''\nprint(1)\n", .program),
            ("\"\"\"docs\"\"\"\ndef handler(e):\n    \"\"\"say \"handler(1)\" here\"\"\"\n    return e\n", .entry("handler")),
            ("def handler(e):\n    return e\n# handler(1)\n", .entry("handler")),
            ("def handler(e):\n    return e\nx = 'handler(1)'\n", .entry("handler")),
            ("x = 'it\\'s def handler(e):'\nprint(x)\n", .program),
            ("def handler(e):\n    return e\nx = 'handler(1)", .entry("handler")),
        ]
        for (source, expected) in table {
            XCTAssertEqual(find(source, .python), expected, source)
        }
        XCTAssertTrue(HandlerDetection.mentions("compute", Array("compute = 1\n".utf8), .python))
        XCTAssertFalse(HandlerDetection.mentions("compute", Array("# compute\n".utf8), .python))
        XCTAssertFalse(HandlerDetection.mentions("compute", Array("x = 'compute'\n".utf8), .python))
        XCTAssertFalse(HandlerDetection.mentions("compute", Array("x = '''\ncompute\n'''\n".utf8), .python))
    }

    func testPythonNonUTF8() {
        let comment = Array("# ".utf8) + [0xFF, 0xFE] + Array("\ndef handler(e):\n    return e\n".utf8)
        XCTAssertEqual(HandlerDetection.find(comment, .python), .entry("handler"))
        let string = Array("x = b'".utf8) + [0xC3, 0x28, 0x80] + Array("'\ndef handler(e):\n    return e\n".utf8)
        XCTAssertEqual(HandlerDetection.find(string, .python), .entry("handler"))
        let code = [0xFF] + Array("\ndef handler(e):\n    return e\n".utf8)
        XCTAssertEqual(HandlerDetection.find(code, .python), .entry("handler"))
        XCTAssertEqual(python(String(decoding: [0x78, 0xFF, 0x22, 0x68, 0x22] as [UInt8], as: UTF8.self)), "x\u{FFFD}\"\"")
    }

    // MARK: JavaScript

    func testJavaScriptComments() {
        XCTAssertEqual(javaScript(""), "")
        XCTAssertEqual(javaScript("// exports.handler = f\nconsole.log(1)"), "\nconsole.log(1)")
        XCTAssertEqual(javaScript("x = 1 // main\n"), "x = 1 \n")
        XCTAssertEqual(javaScript("/* exports.handler = f */x"), " x")
        XCTAssertEqual(javaScript("a/*\nexports.handler = f\n*/b"), "a\n\n b", "newlines kept")
        XCTAssertEqual(javaScript("/* exports.handler = f"), " ", "unterminated at the end")
        XCTAssertEqual(javaScript("// it's\nmain()"), "\nmain()", "a quote in a comment opens no string")
        XCTAssertEqual(javaScript("/* it's */main()"), " main()")
        XCTAssertEqual(javaScript("a = b / c / d"), "a = b / c / d", "a division is no comment")
    }

    func testJavaScriptStrings() {
        XCTAssertEqual(javaScript("'exports.handler = f'"), " ")
        XCTAssertEqual(javaScript("\"main()\";"), " ;")
        XCTAssertEqual(javaScript("'//' + main"), "  + main", "a // in a string opens no comment")
        XCTAssertEqual(javaScript("\"/*\"; main = 1"), " ; main = 1")
        XCTAssertEqual(javaScript("x = '' + \"\" + ``;"), "x =   +   +  ;", "empty literals")
    }

    func testJavaScriptTemplateLiterals() {
        XCTAssertEqual(javaScript("`exports.handler = f`"), " ")
        XCTAssertEqual(javaScript("`\nfunction main() {\n}\n`;"), "\n\n\n ;", "newlines kept")
        XCTAssertEqual(javaScript("`it's \"main()\"`;"), " ;", "other quotes do not close it")
    }

    /// What a template's `${...}` holds is code (a call there is a call) up to the brace that
    /// matches it, and a template in it is a literal again; each piece of text leaves a space.
    func testJavaScriptTemplateInterpolationIsCode() {
        XCTAssertEqual(javaScript("`a ${b} c`"), " b ")
        XCTAssertEqual(javaScript("`${a}${b}`"), " a b ")
        XCTAssertEqual(javaScript("`a ${ {x: 1}.x } c`"), "  {x: 1}.x  ", "the code's own braces are counted")
        XCTAssertEqual(javaScript("`a ${`exports.handler = ${f}`} c`"), "  f  ", "a nested template")
        XCTAssertEqual(javaScript("`a ${'}'} c`;"), "   ;", "a brace in a string closes nothing")
        XCTAssertEqual(javaScript("`a ${/* } */ b} c`;"), "   b ;", "nor one in a comment")
        XCTAssertEqual(javaScript("`a \\${main()} c`"), " ", "an escaped ${ opens no code")
        XCTAssertEqual(javaScript("`${\nmain()\n}`"), " \nmain()\n ")
        XCTAssertEqual(javaScript("'${main()}' + \"${main()}\""), "  +  ", "only templates interpolate")
        XCTAssertEqual(javaScript("`${main()"), " main() ", "left open at the end")
        XCTAssertEqual(javaScript("`${`a"), "   ", "two left open at the end")
        // A call in a template is a call: this file prints main's result, it is a program.
        XCTAssertEqual(find("function main() {\n  return 1;\n}\nconsole.log(`${main()}`);\n", .js), .program)
        // The text of a template nested in ${...} is no code.
        XCTAssertEqual(find("const s = `${`exports.handler = f`}`;\nconsole.log(s);", .js), .program)
        // Nesting as deep as the source allows is walked without recursion.
        let deep = String(repeating: "`${", count: 200_000) + "exports.handler = f"
        XCTAssertEqual(find(deep, .js), .entry("handler"))
    }

    func testJavaScriptEscapes() {
        XCTAssertEqual(javaScript(#"'it\'s main()' + x"#), "  + x")
        XCTAssertEqual(javaScript(#""a\\" + main"#), "  + main", "an escaped backslash does not escape the quote")
        XCTAssertEqual(javaScript(#"`a\`main()`;"#), " ;")
        XCTAssertEqual(javaScript("x = 'a\\\nmain()'\ny"), "x =  \ny", "a backslash-newline continues the string")
    }

    func testJavaScriptUnterminatedAtTheEnd() {
        XCTAssertEqual(javaScript("x = 'main()"), "x =  ")
        XCTAssertEqual(javaScript("x = `main()\n"), "x = \n ")
        XCTAssertEqual(javaScript("x = \"abc\\"), "x =  ", "a backslash as the last byte")
    }

    /// A one-line literal left open ends at the line's end and leaves the line break: a quote
    /// in a regular expression (`/'/`, not told from a division) blanks the rest of its line
    /// only, and a `function main` on the next line is still at column 0.
    func testALiteralLeftOpenKeepsTheLineBreak() {
        XCTAssertEqual(javaScript("x = /'/g;\nmain"), "x = / \nmain")
        XCTAssertEqual(javaScript("x = \"a\n\"b\""), "x =  \n ")
        XCTAssertEqual(python("x = 'a\ny"), "x = \"\"\ny")
        let openWhisk = "const quote = /'/g;\nfunction main(params) {\n  return { payload: String(params.text).replace(quote, '') };\n}\n"
        XCTAssertEqual(find(openWhisk, .js), .entry("main"))
    }

    func testJavaScriptFindsNamesOnlyInCode() {
        let table: [(String, HandlerDetection.Finding)] = [
            ("", .program),
            ("/* module.exports = f */\nconsole.log(1);", .program),
            ("const s = 'exports.handler = f';\nconsole.log(s);", .program),
            ("const s = `\nmodule.exports = f\n`;\nconsole.log(s);", .program),
            ("const s = `exports.handler = ${x}`;\nconsole.log(s);", .program),
            ("function main(p) {\n  return p;\n}\n// main(1)\n", .entry("main")),
            ("function main(p) {\n  return 'main(1)';\n}\n", .entry("main")),
            ("function main(p) {\n  return `${'main(1)'}`;\n}\n", .entry("main")),
            ("const s = 'it\\'s'; exports.handler = (e) => e;", .entry("handler")),
            ("exports.main = (p) => p;\nconst s = 'exports.handler = f", .entry("main")),
        ]
        for (source, expected) in table {
            XCTAssertEqual(find(source, .js), expected, source)
        }
        XCTAssertTrue(HandlerDetection.mentions("compute", Array("const compute = (e) => e;".utf8), .js))
        XCTAssertFalse(HandlerDetection.mentions("compute", Array("// compute\n".utf8), .js))
        XCTAssertFalse(HandlerDetection.mentions("compute", Array("/* compute */".utf8), .js))
        XCTAssertFalse(HandlerDetection.mentions("compute", Array("x = `compute`;".utf8), .js))
    }

    func testJavaScriptNonUTF8() {
        let comment = Array("// ".utf8) + [0xFF, 0xFE] + Array("\nexports.handler = (e) => e;".utf8)
        XCTAssertEqual(HandlerDetection.find(comment, .js), .entry("handler"))
        let string = Array("const s = '".utf8) + [0xC3, 0x28, 0x80] + Array("';\nexports.main = (p) => p;".utf8)
        XCTAssertEqual(HandlerDetection.find(string, .js), .entry("main"))
        XCTAssertEqual(javaScript(String(decoding: [0x78, 0xFF, 0x27, 0x68, 0x27] as [UInt8], as: UTF8.self)), "x\u{FFFD} ")
    }
}
