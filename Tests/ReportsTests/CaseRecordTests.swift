import Foundation
import Testing
@testable import ReportFormat
@testable import Gating
@testable import Rendering
@testable import Recording
@testable import JSONCodec

@Suite("CaseRecord")
struct CaseRecordTests {
    static let referenceKeys: Set<String> = [
        "agent", "behavior", "behaviorClose", "case", "closedByMe", "createStats", "createWirelog",
        "description", "droppedByMe", "duration", "expectation", "expected", "expectedClose", "failedByMe",
        "httpRequest", "httpResponse", "id", "isServer", "localCloseCode", "localCloseReason", "received",
        "remoteCloseCode", "remoteCloseReason", "reportCompressionRatio", "reportTime", "result", "resultClose",
        "rxFrameStats", "rxOctetStats", "started", "trafficStats", "txFrameStats", "txOctetStats", "wasClean",
        "wasCloseHandshakeTimeout", "wasNotCleanReason", "wasOpenHandshakeTimeout",
        "wasServerConnectionDropTimeout", "wirelog",
    ]

    /// Case 3.4 of the reference run, rebuilt from raw facts.
    static func case3_4() -> CaseRecord {
        let request = "GET / HTTP/1.1\r\nUser-Agent: AutobahnTestSuite/25.10.1-0.10.9\r\nHost: 127.0.0.1:9001\r\n"
            + "Upgrade: WebSocket\r\nConnection: Upgrade\r\nPragma: no-cache\r\nCache-Control: no-cache\r\n"
            + "Sec-WebSocket-Key: JHjtQ78BAqTBqrQPu+qA8A==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        let response = "HTTP/1.1 101 Switching Protocols\r\nDate: Wed, 25 Nov 2026 17:36:46 GMT\r\n"
            + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: mAlHE5Cj7RV57V2nQzDjWdh9lJM=\r\n"
            + "Server: Python/3.11 websockets/17.4\r\n\r\n"
        let hello = BytePreview(Array("Hello, world!".utf8))
        func chops(_ hex: String) -> [WireLogEntry] {
            hexBytes(hex).map { .txOctets(BytePreview([$0]), sync: true) }
        }
        var log: [WireLogEntry] = [
            .txOctets(BytePreview(Array(request.utf8)), sync: false),
            .rxOctets(BytePreview(Array(response.utf8))),
            .txFrame(payload: hello, opcode: 1, fin: true, rsv: 0, mask: hexBytes("9103443e"),
                     repeatLength: nil, chopSize: 1, sync: false),
        ]
        log += chops("81")
        log += [
            .txFrame(payload: hello, opcode: 1, fin: true, rsv: 4, mask: hexBytes("ca205dc1"),
                     repeatLength: nil, chopSize: 1, sync: false),
            .txFrame(payload: BytePreview([UInt8]()), opcode: 9, fin: true, rsv: 0, mask: hexBytes("bf2db580"),
                     repeatLength: nil, chopSize: 1, sync: false),
            .killAfter(seconds: 1),
        ]
        log += chops("8d 91 03 44 3e d9 66 28 52 fe 2f 64 49 fe 71 28 5a b0 c1 8d ca")
        log += [
            .rxOctets(BytePreview(hexBytes("810d48656c6c6f2c20776f726c6421"))),
            .rxFrame(payload: hello, opcode: 1, fin: true, rsv: 0, mask: nil),
        ]
        log += chops("20 5d c1 82 45 31 ad a5 0c 7d b6 a5 52 31 a5 eb 89 80 bf")
        let closePayload = hexBytes("03ea72657365727665642062697473206d7573742062652030")
        log += [
            .rxOctets(BytePreview([0x88, 0x19] + closePayload)),
            .rxFrame(payload: BytePreview(closePayload), opcode: 8, fin: true, rsv: 0, mask: nil),
            .txFrame(payload: BytePreview([0x03, 0xE8]), opcode: 8, fin: true, rsv: 0, mask: hexBytes("01fb4dc3"),
                     repeatLength: nil, chopSize: nil, sync: false),
        ]
        log += chops("2d")
        return CaseRecord(
            agent: "websockets",
            caseID: "3.4",
            ordinal: 31,
            description: "Send small text message, then send again with <b>RSV = 4</b>, then send Ping. "
                + "Octets are sent in octet-wise chops.",
            expectation: "Echo for first message is received, but then connection is failed immediately, "
                + "since RSV must be 0, when no extension defining RSV meaning has been negotiated. "
                + "The Pong is not received.",
            behavior: "OK",
            behaviorClose: "OK",
            result: "Actual events match at least one expected.",
            resultClose: "Connection was properly closed",
            expected: ["OK": [.message(hello, binary: false)], "NON-STRICT": []],
            expectedClose: ExpectedClose(closedByMe: false, closeCodes: [1002], requireClean: false),
            received: [.message(hello, binary: false)],
            closing: ClosingBehavior(
                wasClean: true, localCloseCode: 1000, remoteCloseCode: 1002,
                remoteCloseReason: "reserved bits must be 0"
            ),
            httpRequest: request,
            httpResponse: response,
            started: Date(timeIntervalSince1970: 1_795_628_206.706),
            durationMilliseconds: 1,
            createWirelog: true,
            wirelog: log,
            statistics: WireStatistics(
                rxOctets: [15: 1, 27: 1, 203: 1], txOctets: [1: 42, 242: 1],
                rxFrames: [1: 1, 8: 1], txFrames: [1: 2, 8: 1, 9: 1]
            )
        )
    }

    @Test("a hand-built 3.4 record serializes exactly like the reference file", .enabled(if: ReferenceFiles.available))
    func case3_4MatchesReference() throws {
        let reference = try ReferenceFiles.text("websockets_case_3_4.json")
        let record = Self.case3_4()
        #expect(record.serialized() == reference)
        #expect(record.json() == (try ReferenceJSON.parse(reference)))
        #expect(record.reportFileName == "websockets_case_3_4.json")
    }

    @Test("exactly the 39 reference keys, in every reference file", .enabled(if: ReferenceFiles.available))
    func keySet() throws {
        #expect(Self.referenceKeys.count == 39)
        let own = try #require(Self.case3_4().json().objectValue)
        #expect(Set(own.keys) == Self.referenceKeys)
        for name in try ReferenceFiles.allJSONFiles() where name != "index.json" {
            let keys = try ReferenceJSON.parse(try ReferenceFiles.text(name)).objectValue?.keys
            #expect(Set(keys ?? [:].keys) == Self.referenceKeys, "\(name)")
        }
    }

    @Test("harness error adds wsspecHarnessError only when set")
    func harnessError() throws {
        var record = Self.case3_4()
        #expect(record.json()["wsspecHarnessError"] == nil)
        record.outcome = .harnessError(HarnessError(.unreachable, "could not connect to 127.0.0.1:9001: Connection refused"))
        let members = try #require(record.json().objectValue)
        #expect(members.count == 40)
        #expect(members["wsspecHarnessError"] == .string("could not connect to 127.0.0.1:9001: Connection refused"))
    }

    @Test("defaults: failed handshake renders {} / ? / null")
    func failedHandshake() throws {
        let record = CaseRecord(
            agent: "srv", caseID: "1.1.1", ordinal: 1, description: "d", expectation: "e",
            behavior: "FAILED", behaviorClose: "FAILED", result: "Actual events differ from any expected.",
            resultClose: "The WebSocket opening handshake was never completed!",
            closing: ClosingBehavior(droppedByMe: true, wasNotCleanReason: "peer did not finish (in time) the opening handshake",
                                     wasOpenHandshakeTimeout: true),
            httpRequest: "GET / HTTP/1.1\r\n\r\n",
            started: Date(timeIntervalSince1970: 0),
            durationMilliseconds: 5000
        )
        let json = record.json()
        #expect(json["expected"] == .object([:]))
        #expect(json["expectedClose"] == .object([:]))
        #expect(json["httpResponse"] == .string("?"))
        #expect(json["trafficStats"] == .null)
        #expect(json["received"] == .array([]))
        #expect(json["createStats"] == .bool(true))
        #expect(json["isServer"] == .bool(false))
        #expect(json["wasOpenHandshakeTimeout"] == .bool(true))
        #expect(json["started"] == .string("1970-01-01T00:00:00.000Z"))
        #expect(record.indexEntry == IndexEntry(behavior: "FAILED", behaviorClose: "FAILED", duration: 5000,
                                                remoteCloseCode: nil, reportfile: "srv_case_1_1_1.json"))
    }

    @Test("expectedClose, events and wire-log entries render as in the reference")
    func renderings() {
        let fatal = ExpectedClose(closedByMe: false, closeCodes: [1002, 1007], requireClean: false,
                                  closedByWrongEndpointIsFatal: true)
        #expect(ReferenceJSON.serialize(fatal.json()) == """
        {
           "closeCode": [
              1002,
              1007
           ],
           "closedByMe": false,
           "closedByWrongEndpointIsFatal": true,
           "requireClean": false
        }
        """)
        #expect(RecordedEvent.pong(BytePreview(Array("ab".utf8))).json() == .array([.string("pong"), .string("ab")]))
        #expect(RecordedEvent.ping(BytePreview([UInt8]())).json() == .array([.string("ping"), .string("")]))
        #expect(RecordedEvent.timeout("A").json() == .array([.string("timeout"), .string("A")]))
        #expect(RecordedEvent.message(BytePreview([0xFF]), binary: true).json()
            == .array([.string("message"), .string("0xff"), .bool(true)]))
        #expect(WireLogEntry.killAfter(seconds: 0.5).json() == .array([.string("KL"), .double(0.5)]))
        #expect(WireLogEntry.killAfter(seconds: 10).json() == .array([.string("KL"), .int(10)]))
        #expect(WireLogEntry.closeAfter(seconds: 100).json() == .array([.string("TI"), .int(100)]))
        #expect(WireLogEntry.delay(seconds: 1, tag: nil).json() == .array([.string("CT"), .int(1), .null]))
        #expect(WireLogEntry.delayFired(tag: "B").json() == .array([.string("CTE"), .string("B")]))
        #expect(WireLogEntry.killFired.json() == .array([.string("KLE")]))
        #expect(WireLogEntry.closeFired.json() == .array([.string("TIE")]))
        #expect(WireLogEntry.wirelog(enabled: false).json() == .array([.string("WLM"), .bool(false)]))
        #expect(WireLogEntry.rxFrame(payload: BytePreview([0x41]), opcode: 1, fin: false, rsv: 2, mask: [0, 1, 0xA, 0xFF]).json()
            == .array([.string("RF"), .array([.int(1), .string("A")]), .int(1), .bool(false), .int(2),
                       .bool(true), .string("00010aff")]))
        #expect(WireLogEntry.txFrame(payload: BytePreview(Array(repeating: UInt8(ascii: "*"), count: 10)), opcode: 2,
                                     fin: true, rsv: 0, mask: nil, repeatLength: 262_144, chopSize: nil, sync: true).json()
            == .array([.string("TF"), .array([.int(10), .string("**********")]), .int(2), .bool(true), .int(0),
                       .null, .int(262_144), .null, .bool(true)]))
    }

    @Test(
        "started: UTC, milliseconds cut after rounding to microseconds",
        arguments: [
            (1_795_628_206.706, "2026-11-25T17:36:46.706Z"),
            (1_795_628_206.7069, "2026-11-25T17:36:46.706Z"),
            (1_795_628_206.9999996, "2026-11-25T17:36:47.000Z"),
            (0, "1970-01-01T00:00:00.000Z"),
            (951_782_400, "2000-02-29T00:00:00.000Z"),
            (-1.5, "1969-12-31T23:59:58.500Z"),
            (4_102_444_799.999, "2099-12-31T23:59:59.999Z"),
        ]
    )
    func startedFormat(seconds: Double, expected: String) {
        #expect(ReportTimestamp.format(Date(timeIntervalSince1970: seconds)) == expected)
    }
}
