import WebSocketWire
import Foundation
import ReportFormat
import Gating
import Rendering
import Recording
import JSONCodec

/// Small, varied runs for the report tests.
enum ReportFixtures {
    /// A close reason a hostile server might send: it tries to end the `<pre>`, run a script and
    /// load an image with an error handler.
    static let hostileReason = "</td></pre><script>window.top.__pwned = 1</script><img src=x onerror=\"window.top.__pwned = 2\">'&"
    static let hostileAgent = "<b>evil</b>\"agent/1.0"

    static func record(
        agent: String = "websockets", _ id: String, _ behavior: String, _ close: String, code: CloseCode? = 1000,
        reason: String? = nil, harness: String? = nil, duration: Int = 3
    ) -> CaseRecord {
        CaseRecord(
            agent: agent, caseID: id, ordinal: 1, description: "Case \(id) <b>sends</b> things.<br>Then waits.",
            expectation: "The server echoes.", behavior: behavior, behaviorClose: close,
            result: "result of \(id)", resultClose: "close result of \(id)",
            expected: ["OK": [.message(BytePreview(Array("Hello".utf8)), binary: false)], "NON-STRICT": []],
            expectedClose: ExpectedClose(closedByMe: true, closeCodes: [1000], requireClean: true),
            received: [.pong(BytePreview([0x00, 0x3C, 0x62, 0x3E]))],
            closing: ClosingBehavior(closedByMe: true, wasClean: true, localCloseCode: 1000, remoteCloseCode: code, remoteCloseReason: reason),
            httpRequest: "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
            httpResponse: "HTTP/1.1 101 Switching Protocols\r\nServer: <script>alert(1)</script>\r\n\r\n",
            started: Date(timeIntervalSince1970: 1_795_628_206.5), durationMilliseconds: duration,
            wirelog: [
                .txFrame(payload: BytePreview(Array("Hello".utf8)), opcode: 1, fin: true, rsv: 0, mask: [1, 2, 3, 4], repeatLength: nil, chopSize: nil, sync: false),
                .txOctets(BytePreview([0x81, 0x85, 1, 2, 3, 4]), sync: false),
                .rxFrame(payload: BytePreview(Array("<script>x</script>".utf8)), opcode: 1, fin: true, rsv: 0, mask: nil),
                .killAfter(seconds: 1),
            ],
            statistics: WireStatistics(rxOctets: [10: 2], txOctets: [12: 1], rxFrames: [1: 1], txFrames: [1: 1, 8: 1]),
            harnessError: harness)
    }

    /// Seven cases of one server, one of each kind of outcome, and three of a second server with
    /// a hostile name (the others are missing for it).
    static var mixedRun: [ReportedCase] {
        [
            record("1.1.1", "OK", "OK"),
            record("1.1.2", "NON-STRICT", "OK"),
            explained(record("2.1", "FAILED", "WRONG CODE", code: 1002)),
            record("3.1", "OK", "UNCLEAN", code: nil),
            record("5.1", "OK", "OK", code: 1002, reason: hostileReason),
            record("7.1.1", "INFORMATIONAL", "INFORMATIONAL"),
            record("7.1.2", "ERROR", "ERROR", code: nil, harness: "cannot connect to 127.0.0.1:1: connection refused"),
            record(agent: hostileAgent, "1.1.1", "OK", "OK"),
            record(agent: hostileAgent, "2.1", "OK", "FAILED BY CLIENT"),
            record(agent: hostileAgent, "5.1", "FAILED", "OK", reason: hostileReason),
        ].map(ReportedCase.init)
    }

    /// A failing record with its explanation and replay line; the server's close reason is hostile markup.
    static func explained(_ record: CaseRecord) -> CaseRecord {
        var record = record
        record.explanation = Explanation(
            rfc: "6455 §5.5.2", requirement: "A Ping MUST be answered with a Pong.", sent: ["ping frame empty"],
            expected: [.init(verdict: .ok, events: ["pong empty"])], expectedClose: "wsspec closes; code 1000, or none",
            observed: [], observedClose: "the server sent Close 1002 " + hostileReason,
            divergence: "event 1: expected pong empty, the server sent nothing more")
        record.replay = "wsspec run ws://127.0.0.1:9001 --cases 2.1 --seed 1"
        return record
    }

    static func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("wsspec-html-\(UUID().uuidString)", isDirectory: true)
    }
}
