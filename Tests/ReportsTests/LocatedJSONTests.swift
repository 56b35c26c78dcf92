import Testing
@testable import JSONCodec

@Suite("LocatedJSON: the one reader, with positions")
struct LocatedJSONTests {
    static let text = "{\n  \"cases\": [\"*\",\n    2],\n  \"servers\": [ {\"url\": \"ws://h\", \"é\": null} ]\n}"

    @Test("the same value as parse, and each value and key where it was written")
    func positions() throws {
        let document = try ReferenceJSON.parseLocated(Self.text)
        #expect(document.value == (try ReferenceJSON.parse(Self.text)))
        #expect(document.position(of: "") == (1, 1))
        #expect(document.position(of: "cases") == (2, 12))
        #expect(document.position(of: "cases[1]") == (3, 5))
        #expect(document.position(of: "#servers") == (4, 3))
        #expect(document.position(of: "servers[0].url") == (4, 24))
        #expect(document.position(of: "servers[0]#é") == (4, 34))
        // A path that is not there: its nearest enclosing value.
        #expect(document.position(of: "servers[0].agent") == (4, 16))
        #expect(document.position(of: "nothing.at.all") == (1, 1))
    }

    @Test("a duplicate key points at its last value, the one kept")
    func duplicates() throws {
        let document = try ReferenceJSON.parseLocated("{\"a\": 1,\n \"a\": 2}")
        #expect(document.value == .object(["a": .int(2)]))
        #expect(document.position(of: "a") == (2, 7))
        #expect(document.position(of: "#a") == (2, 2))
    }
}
