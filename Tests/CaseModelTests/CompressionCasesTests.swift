import CaseModel
import Foundation
import Testing
import WebSocketWire

@Suite("The compression cases (12.x, 13.x) and their data")
struct CompressionCasesTests {
    static let sizes = [16, 64, 256, 1024, 4096, 8192, 16384, 32768, 65536, 131072, 8192, 16384, 32768, 65536, 131072, 131072, 131072, 131072]
    static let timeouts = [60, 60, 120, 240] + Array(repeating: 480, count: 14)
    static let fragments: [Int?] = Array(repeating: nil, count: 10) + [256, 256, 256, 256, 256, 1024, 4096, 32768]

    func loop(_ c: CaseDefinition) throws -> MessageLoopStep {
        guard c.steps.count == 2, c.steps[0] == .wirelog(false, silent: false), case .messageLoop(let step) = c.steps[1] else {
            throw LoopMissing()
        }
        return step
    }
    struct LoopMissing: Error {}

    @Test("every subcategory has the reference's 18-row size matrix")
    func matrix() throws {
        let suite = try CaseLoader.loadDirectory(builtInCaseDirectory)
        let data = ["12.1": ("data1.json", true), "12.2": ("lena512.bmp", false), "12.3": ("pg2229.txt", false),
                    "12.4": ("data1.html", true), "12.5": ("10.1.1.105.5439.pdf", false)]
        for sub in data.keys.sorted() + (1...7).map({ "13.\($0)" }) {
            for i in 1...18 {
                let c = try #require(suite[CaseID("\(sub).\(i)")!])
                let step = try loop(c)
                #expect(step.size == Self.sizes[i - 1] && step.count == 1000 && step.compressed)
                #expect(step.timeout == Double(Self.timeouts[i - 1]) && step.fragmentSize == Self.fragments[i - 1])
                let (file, text) = data[sub] ?? ("data1.json", true)
                #expect(step.data == file && step.text == text)
                #expect(c.expected.isEmpty && c.close == CloseExpectation(closedByClient: true, codes: [1000], requireClean: true))
            }
        }
    }

    @Test("the offers are the reference's: 12.x the default, 13.1–13.7 as catalogue §2.10, 13.7 three of them")
    func offers() throws {
        let suite = try CaseLoader.loadDirectory(builtInCaseDirectory)
        let header = { (id: String) in DeflateOffer.headerValue(suite[CaseID(id)!]!.deflateOffers) }
        let base = "permessage-deflate; client_no_context_takeover; client_max_window_bits"
        #expect(header("12.3.7") == base)
        #expect(header("13.1.1") == base)
        #expect(header("13.2.1") == base + "; server_no_context_takeover")
        #expect(header("13.3.1") == base + "; server_max_window_bits=9")
        #expect(header("13.4.1") == base + "; server_max_window_bits=15")
        #expect(header("13.5.1") == base + "; server_no_context_takeover; server_max_window_bits=9")
        #expect(header("13.6.1") == base + "; server_no_context_takeover; server_max_window_bits=15")
        #expect(header("13.7.18") == "\(base); server_no_context_takeover; server_max_window_bits=9, \(base); server_no_context_takeover, \(base)")
        #expect(suite.groups["12"]?.title == "WebSocket Compression (different payloads)")
        #expect(suite.groups["13.7"]?.title.hasSuffix("[(True, 9), (True, 0), (False, 0)] / server accept (requestNoContextTakeover, requestMaxWindowBits): [(True, 9), (True, 0), (False, 0)]") == true)
    }

    @Test("the corpus has the reference's names and sizes; text sets count code points")
    func corpus() throws {
        let library = TestDataLibrary(directory: builtInCaseDirectory.appendingPathComponent("data"))
        #expect(try library.dataSet("data1.json", text: true).length == 194056)
        #expect(try library.dataSet("lena512.bmp", text: false).length == 263222)
        #expect(try library.dataSet("pg2229.txt", text: false).length == 222218)
        let html = try library.dataSet("data1.html", text: true)
        #expect(html.bytes.count == 263647 && html.length == 263620)
        #expect(try library.dataSet("10.1.1.105.5439.pdf", text: false).length == 1042328)
        #expect(throws: TestDataError.self) { try library.dataSet("nope.json", text: true) }
    }

    @Test("messages are consecutive slices that wrap around, counted in code points for text")
    func slices() throws {
        let set = try TestDataSet(name: "t", bytes: Array("aébcd".utf8), text: true)  // 5 code points, 6 octets
        #expect(set.length == 5)
        var position = 0
        var got: [String] = []
        for _ in 0..<4 {
            let (bytes, next) = set.message(from: position, count: 2)
            got.append(String(decoding: bytes, as: UTF8.self))
            position = next
        }
        #expect(got == ["aé", "bc", "da", "éb"])
        #expect(throws: TestDataError.self) { try TestDataSet(name: "bad", bytes: [0xFF], text: true) }
        let binary = try TestDataSet(name: "b", bytes: [1, 2, 3], text: false)
        #expect(binary.message(from: 2, count: 2).bytes == [3, 1])
        #expect(binary.message(from: 0, count: 0).bytes == [])
    }

    @Test("bad deflate offers and loop steps are refused with their place in the file", arguments: [
        ("deflate: [ { request-max-window-bits: 7 } ]", "request-max-window-bits is 0"),
        ("deflate: [ { bogus: true } ]", "unknown key 'bogus'"),
        ("deflate: [ {} ]\n    expect: { OK: [] }", nil),
    ] as [(String, String?)])
    func badOffers(extra: String, problem: String?) {
        let yaml = """
            category: { id: "13", title: T }
            cases:
              - id: "13.9.1"
                description: d
                expectation: e
                \(extra)
                steps:
                  - message-loop: { data: data1.json, as: text, size: 16, count: 10, timeout: 5, compressed: true }
                close: { by: client, codes: [1000], clean: true }
            """
        do {
            _ = try CaseLoader.load(yaml: yaml, file: "x.yaml")
            #expect(problem == nil)
        } catch {
            #expect(problem != nil && "\(error)".contains(problem!) && "\(error)".contains("x.yaml:"), "\(error)")
        }
    }

    @Test("a case without expect needs a message loop; a loop's data is a file name and its kind text or binary")
    func loopRules() {
        let noExpect = """
            category: { id: "2", title: T }
            cases:
              - { id: "2.99", description: d, expectation: e, steps: [], close: { by: client, codes: [1000], clean: true } }
            """
        #expect(throws: CaseLoadError.self) { try CaseLoader.load(yaml: noExpect, file: "a.yaml") }
        for step in ["{ data: ../etc/passwd, as: text, size: 1, count: 1, timeout: 1 }",
                     "{ data: x.json, as: json, size: 1, count: 1, timeout: 1 }",
                     "{ data: x.json, as: text, size: 1, count: 0, timeout: 1 }"] {
            let yaml = """
                category: { id: "12", title: T }
                cases:
                  - { id: "12.9.1", description: d, expectation: e, steps: [ message-loop: \(step) ], close: { by: client, codes: [1000], clean: true } }
                """
            #expect(throws: CaseLoadError.self) { try CaseLoader.load(yaml: yaml, file: "b.yaml") }
        }
    }
}
