import Foundation
import JSONCodec
import Testing

/// A failure explains itself everywhere it is reported: a run of the executable against a server built to fail.
@Suite("Failures explain themselves", .serialized)
struct ExplanationTests {
    @Test("console, JSON report, --format json and JUnit carry the explanation and the replay line; server text escaped")
    func hostileServerRun() throws {
        let server = try HostileServer(.evilContent)
        defer { server.stop() }
        let scratch = try Scratch()
        defer { scratch.remove() }
        let junit = scratch.url.appendingPathComponent("junit.xml").path
        let (code, out, err) = try WSSpecProcess.run(
            [
                "run", server.url, "--cases", "2.1", "--seed", "7", "--outdir", scratch.url.appendingPathComponent("r").path,
                "--no-html", "--junit", junit,
            ], in: scratch.url)
        #expect(code == 1, "\(out)\n\(err)")
        let text = "'<script>alert(\\'x\\')</script></pre>\\x00&lt;'"
        let divergence = "event 1: expected pong empty, the server sent text message \(text) (38 octets); "
            + "then the close: wsspec was to close first, but the server closed (the server sent Close 1000 \(text); clean)"
        #expect(out.contains("      observed: text message \(text) (38 octets), binary message 0x3c00ffc080 (5 octets)"), "\(out)")
        #expect(out.contains("      rfc:      RFC 6455 §5.5.2, §5.5.3 — A Ping MUST be answered with a Pong"), "\(out)")
        #expect(out.contains("      sent:     ping frame empty; Close after 1 s"), "\(out)")
        #expect(out.contains("      expected: OK: pong empty | close: wsspec closes; code 1000, or none; a clean close"), "\(out)")
        #expect(out.contains("      parts at: \(divergence)"), "\(out)")
        let replay = "wsspec run \(server.url) --cases 2.1 --seed 7 --outdir \(scratch.url.appendingPathComponent("r").path)/replay"
        #expect(out.contains("      replay:   \(replay)"), "\(out)")
        #expect(!out.contains("\u{0}"))

        let report = try ReferenceJSON.parse(
            String(contentsOf: scratch.url.appendingPathComponent("r").appendingPathComponent(
                try FileManager.default.contentsOfDirectory(atPath: scratch.url.appendingPathComponent("r").path)
                    .first { $0.hasSuffix("_case_2_1.json") }!), encoding: .utf8))
        #expect(report["wsspecExplanation"]?["divergence"]?.stringValue == divergence)
        #expect(report["wsspecExplanation"]?["rfc"]?.stringValue == "6455 §5.5.2, §5.5.3")
        #expect(report["wsspecReplay"]?.stringValue == replay)

        let xml = try String(contentsOfFile: junit, encoding: .utf8)
        #expect(xml.contains("parts at: event 1: expected pong empty"))
        #expect(xml.contains("replay:   wsspec run \(server.url) --cases 2.1 --seed 7"))
        #expect(!xml.contains("<script>"))

        let (_, json, _) = try WSSpecProcess.run(
            ["run", server.url, "--cases", "2.1", "--seed", "7", "--outdir", scratch.url.appendingPathComponent("j").path,
             "--no-html", "--format", "json"], in: scratch.url)
        let summary = try ReferenceJSON.parse(json)
        let failure = summary["failures"]?.arrayValue?.first
        #expect(failure?["explanation"]?["divergence"]?.stringValue == divergence)
        #expect(failure?["replay"]?.stringValue?.hasPrefix("wsspec run \(server.url) --cases 2.1 --seed 7") == true)
    }
}
