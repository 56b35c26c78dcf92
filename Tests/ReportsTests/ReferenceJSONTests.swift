import Foundation
import Testing
@testable import ReportFormat
@testable import Gating
@testable import Rendering
@testable import Recording
@testable import JSONCodec

@Suite("ReferenceJSON")
struct ReferenceJSONTests {
    @Test(
        "serialize(parse(file)) reproduces reference files byte for byte",
        .enabled(if: ReferenceFiles.available),
        arguments: [
            "index.json",
            "websockets_case_3_4.json",
            "websockets_case_6_2_1.json",
            "websockets_case_6_3_1.json",
            "websockets_case_6_12_8.json",
            "websockets_case_6_13_1.json",
            "websockets_case_6_20_1.json",
            "websockets_case_6_21_1.json",
            "websockets_case_7_5_1.json",
            "websockets_case_12_1_1.json",
        ]
    )
    func roundTripNamedFiles(name: String) throws {
        let text = try ReferenceFiles.text(name)
        let value = try ReferenceJSON.parse(text)
        #expect(ReferenceJSON.serialize(value) == text)
    }

    @Test("every reference file round-trips", .enabled(if: ReferenceFiles.available))
    func roundTripAllFiles() throws {
        let names = try ReferenceFiles.allJSONFiles()
        #expect(names.count > 300)
        var mismatches: [String] = []
        for name in names {
            let text = try ReferenceFiles.text(name)
            if ReferenceJSON.serialize(try ReferenceJSON.parse(text)) != text {
                mismatches.append(name)
            }
        }
        #expect(mismatches.isEmpty)
    }

    @Test("lone surrogates survive parsing as utf16", .enabled(if: ReferenceFiles.available))
    func loneSurrogatesFromReference() throws {
        let value = try ReferenceJSON.parse(try ReferenceFiles.text("websockets_case_6_20_1.json"))
        let frame = try #require(value["wirelog"]?.arrayValue?.first { $0.arrayValue?.first == .string("TF") })
        #expect(frame.arrayValue?[1] == .array([.int(3), .utf16(units: [0xD800])]))
    }

    @Test("layout: indentation, separators, empty containers, no trailing newline")
    func layout() {
        let value = JSONValue.object([
            "b": .array([.int(1), .array([]), .object([:])]),
            "a": .object(["x": .null, "y": .bool(true), "z": .bool(false)]),
        ])
        let expected = """
        {
           "a": {
              "x": null,
              "y": true,
              "z": false
           },
           "b": [
              1,
              [],
              {}
           ]
        }
        """
        #expect(ReferenceJSON.serialize(value) == expected)
        #expect(ReferenceJSON.serialize(.array([])) == "[]")
        #expect(ReferenceJSON.serialize(.int(-5)) == "-5")
    }

    @Test("string escapes follow Python 2 ensure_ascii")
    func escapes() {
        let text = "q\" b\\ / \n\r\t\u{8}\u{C}\u{0}\u{1F}\u{7F} é € 😀"
        let expected = #""q\" b\\ / \n\r\t\b\f\u0000\u001f\u007f \u00e9 \u20ac \ud83d\ude00""#
        #expect(ReferenceJSON.serialize(.string(text)) == expected)
        #expect(ReferenceJSON.serialize(.utf16(units: [0x41, 0xDC00, 0xD800])) == #""A\udc00\ud800""#)
    }

    @Test("keys sort by code point; all-integer keys sort numerically")
    func keyOrder() {
        let mixed = JSONValue.object(["b": .int(1), "B": .int(2), "é": .int(3), "a": .int(4), "😀": .int(5), "\u{FFFD}": .int(6)])
        let expectedMixed = "{\n   \"B\": 2,\n   \"a\": 4,\n   \"b\": 1,\n   \"\\u00e9\": 3,\n   \"\\ufffd\": 6,\n   \"\\ud83d\\ude00\": 5\n}"
        #expect(ReferenceJSON.serialize(mixed) == expectedMixed)
        let numeric = JSONValue.object(["203": .int(1), "27": .int(1), "15": .int(1)])
        #expect(ReferenceJSON.serialize(numeric) == "{\n   \"15\": 1,\n   \"27\": 1,\n   \"203\": 1\n}")
        let caseIDs = JSONValue.object(["2.1": .int(1), "10.1.1": .int(1), "1.1.1": .int(1)])
        #expect(ReferenceJSON.serialize(caseIDs) == "{\n   \"1.1.1\": 1,\n   \"10.1.1\": 1,\n   \"2.1\": 1\n}")
    }

    @Test(
        "doubles print like Python repr",
        arguments: [
            (0.5, "0.5"), (1.0, "1.0"), (2.5e-05, "2.5e-05"), (1e-05, "1e-05"), (0.0001, "0.0001"),
            (0.1, "0.1"), (1e16, "1e+16"), (1e15, "1000000000000000.0"), (123456789012345678.0, "1.2345678901234568e+17"),
            (-0.0, "-0.0"), (0.0, "0.0"), (0.42498937526561836, "0.42498937526561836"), (1e22, "1e+22"),
            (Double.leastNonzeroMagnitude, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308"), (-1234.5, "-1234.5"),
            (0.9851875, "0.9851875"), (100.0, "100.0"), (1.5e300, "1.5e+300"), (Double.infinity, "Infinity"),
        ]
    )
    func doubles(value: Double, expected: String) {
        #expect(ReferenceJSON.serialize(.double(value)) == expected)
    }

    @Test("parser: numbers, strings and surrogates")
    func parseValues() throws {
        #expect(try ReferenceJSON.parse(" 12 ") == .int(12))
        #expect(try ReferenceJSON.parse("-0") == .int(0))
        #expect(try ReferenceJSON.parse("1.0") == .double(1.0))
        #expect(try ReferenceJSON.parse("2.5e-05") == .double(2.5e-05))
        #expect(try ReferenceJSON.parse("1E2") == .double(100))
        #expect(try ReferenceJSON.parse(#""\ud800""#) == .utf16(units: [0xD800]))
        #expect(try ReferenceJSON.parse(#""\ud800\udc00""#) == .string("\u{10000}"))
        #expect(try ReferenceJSON.parse(#""\ud800\udc00""#) == .utf16(units: [0xD800, 0xDC00]))
        #expect(try ReferenceJSON.parse(#""a\/b\u00e9 é""#) == .string("a/bé é"))
        #expect(try ReferenceJSON.parse("[1, {\"k\": [true, null]}]")
            == .array([.int(1), .object(["k": .array([.bool(true), .null])])]))
        if case .utf16 = try ReferenceJSON.parse(#""\udc00x""#) {} else {
            Issue.record("a lone low surrogate must stay .utf16")
        }
    }

    @Test(
        "parser rejects invalid JSON",
        arguments: [
            "", "[1,]", "{\"a\":1,}", "01", "1.", ".5", "-", "1e", "[1 2]", "\"abc", "\"a\u{1}b\"",
            "\"\\x\"", "\"\\u12g4\"", "tru", "{1: 2}", "[1] x", "{\"\\ud800\": 1}", "+1", "99999999999999999999",
        ]
    )
    func parseErrors(text: String) {
        #expect(throws: ReferenceJSONError.self) { try ReferenceJSON.parse(text) }
    }

    @Test("parser limits nesting depth")
    func nestingLimit() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: ReferenceJSONError.self) { try ReferenceJSON.parse(deep) }
    }
}
