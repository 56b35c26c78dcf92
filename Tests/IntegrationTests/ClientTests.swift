import CaseModel
import Foundation
import Harness
import NIOCore
import NIOPosix
import Orchestration
import Recording
import ReportFormat
import Testee
import Testing
import WebSocketWire

/// wsspec testing clients: its fuzzing server against Python websockets' client (compared with the reference's
/// run of the same client), against clients built to fail, and against requests that are not a client's.
@Suite("Client testing", .serialized)
struct ClientTests {
    static let script = repositoryRoot.appendingPathComponent("Tests/Clients/websockets_echo_client.py").path

    /// A client run of `patterns` into a fresh folder, with the Python client (`misbehave` passed on).
    static func runPython(
        _ patterns: [String], agent: String = "websockets", misbehave: String? = nil, idleTimeout: Double = 60,
        command: [String]? = nil, connectTimeout: Double = 30, tls: TestCertificate? = nil
    ) async throws -> (ClientTest.Outcome, URL) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wsspec-clients-\(UUID().uuidString)")
        var request = ServeRequest(builtinTestData: TestDataLibrary(directory: repositoryRoot.appendingPathComponent("Cases/data")))
        request.include = patterns
        request.outdir = folder.path
        request.seed = 7
        if let tls { request.tls = FuzzingServer.TLSFiles(certificate: tls.certificate, key: tls.key) }
        let run = try ClientRun(request, suite: try builtinSuite())
        var arguments: [String]
        if let command {
            arguments = command
        } else {
            let python = try #require(PythonEchoServer.python, "WSSPEC_PYTHON is not set (a Python with websockets==17.4)")
            arguments = [python, script, "{url}", "{agent}"]
            if let misbehave { arguments += ["--misbehave", misbehave] }
            if let tls { arguments += ["--ca", tls.certificate] }
        }
        var test = ClientTest(command: arguments, agent: agent)
        test.idleTimeout = idleTimeout
        test.connectTimeout = connectTimeout
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let outcome = try await test.execute(run, events: ClientRun.Events(), group: group)
        try await group.shutdownGracefully()
        return (outcome, folder)
    }

    static var referenceClientRun: URL? {
        [
            repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/reference/wstest-websockets-client"),
            URL(fileURLWithPath: "/work/shared/reference/wstest-websockets-client"),
        ].first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("index.json").path) }
    }

    /// Cases where wsspec's verdict differs from the reference's for a reason shown in the README ("Testing clients").
    static let justifiedDifferences: [String: String] = [:]

    @Test("Python websockets 17.4's client, categories 1-7, 9, 10: verdicts agree with the reference's, case by case")
    func pythonClientAgrees() async throws {
        // WSSPEC_CLIENT_CASES=* compares every case (12.x and 13.x take most of the time).
        let patterns = ProcessInfo.processInfo.environment["WSSPEC_CLIENT_CASES"].map { $0.split(separator: ",").map(String.init) }
            ?? ["1.*", "2.*", "3.*", "4.*", "5.*", "6.*", "7.*", "9.*", "10.*"]
        try await Self.compareWithReference(patterns)
    }

    @Test("Python websockets 17.4's client, a selection of 12.x and 13.x: deflate negotiated by the case's rules, verdicts agree")
    func pythonClientCompressionAgrees() async throws {
        try await Self.compareWithReference(["12.1.1", "12.2.10", "13.1.1", "13.3.1", "13.5.1", "13.7.1"])
    }

    static func compareWithReference(_ patterns: [String]) async throws {
        let referenceFolder = try #require(Self.referenceClientRun, "the reference's client run is not on this machine")
        let reference = try ReferenceIndex.load(referenceFolder.appendingPathComponent("index.json"))["websockets"] ?? [:]
        let started = Date()
        let (outcome, folder) = try await Self.runPython(patterns)
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(outcome.problem == nil, "\(outcome.problem.map(String.init(describing:)) ?? "")")
        var agree = 0
        var differences: [String] = []
        var byCategory: [String: (agree: Int, total: Int)] = [:]
        for record in outcome.records {
            let category = String(record.caseID.prefix { $0 != "." })
            guard let expected = reference[record.caseID] else {
                differences.append("\(record.caseID): not in the reference run")
                continue
            }
            let same = (record.behavior, record.behaviorClose) == (expected.behavior, expected.behaviorClose)
            byCategory[category, default: (0, 0)].total += 1
            if same {
                agree += 1
                byCategory[category]!.agree += 1
            } else if let why = Self.justifiedDifferences[record.caseID] {
                print("note: \(record.caseID) differs as documented: \(why)")
            } else if Reference.readSplitDependentCases.contains(record.caseID) {
                // Whether the client's reads split wsspec's chopped writes as they split the reference's: shown, not
                // failed, as in the server comparisons.
                print("note: \(record.caseID) read-split-dependent: reference \(expected.behavior)/\(expected.behaviorClose), wsspec \(record.behavior)/\(record.behaviorClose)")
            } else {
                differences.append(
                    "\(record.caseID): reference \(expected.behavior)/\(expected.behaviorClose), wsspec \(record.behavior)/\(record.behaviorClose) — \(record.judgement?.result ?? "") / \(record.judgement?.resultClose ?? "")"
                )
            }
        }
        let categories = byCategory.keys.sorted { Int($0)! < Int($1)! }.map { "\($0): \(byCategory[$0]!.agree)/\(byCategory[$0]!.total)" }
        print(
            "client agreement with the reference: \(agree)/\(outcome.records.count) (\(categories.joined(separator: ", "))) in \(Int(Date().timeIntervalSince(started))) s"
        )
        #expect(differences.isEmpty, "\(differences.joined(separator: "\n"))")
        // The reports: the reference's layout, isServer true, the case number its position in the selection.
        let index = try ReferenceIndex.load(folder.appendingPathComponent("index.json"))
        #expect(index["websockets"]?.count == outcome.records.count)
        let first = try #require(outcome.records.first)
        let text = try String(contentsOf: folder.appendingPathComponent(first.reportFileName), encoding: .utf8)
        #expect(text.contains("\"isServer\": true") && text.contains("\"case\": 1,"))
    }

    @Test("wss://: the same endpoints and cases over TLS; verdicts as over ws://")
    func overTLS() async throws {
        let certificate = try TestCertificate()
        let (outcome, folder) = try await Self.runPython(["1.1.1", "2.1", "5.19", "6.4.1", "7.1.1", "12.1.1"], tls: certificate)
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(outcome.url.hasPrefix("wss://127.0.0.1:"))
        #expect(outcome.problem == nil, "\(String(describing: outcome.problem))")
        #expect(outcome.records.count == 6)
        #expect(outcome.records.allSatisfy(passes), "\(outcome.records.map { "\($0.caseID) \($0.behavior)/\($0.behaviorClose)" })")
    }

    @Test("a client that sends unmasked frames fails: Close 1002, then its unmasked reply ends the connection, UNCLEAN")
    func unmaskedClient() async throws {
        let (outcome, folder) = try await Self.runPython(["1.1.1", "2.1"], agent: "unmasked", misbehave: "unmasked")
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(outcome.problem == nil)
        let verdicts = Dictionary(uniqueKeysWithValues: outcome.records.map { ($0.caseID, "\($0.behavior)/\($0.behaviorClose)") })
        #expect(verdicts["1.1.1"] == "FAILED/UNCLEAN")
        // The pong in the offending frame still counts (as a masked server frame's does in the client role); the
        // close cannot be clean.
        #expect(verdicts["2.1"] == "OK/UNCLEAN")
        #expect(outcome.records.allSatisfy { $0.recording.closing.localCloseReason == "unmasked client-to-server frame" })
    }

    @Test("a client that echoes wrong content, or nothing, fails the events and the echo checks")
    func wrongEchoes() async throws {
        let (mangled, folder1) = try await Self.runPython(["1.1.2", "9.1.1"], agent: "mangle", misbehave: "mangle")
        defer { try? FileManager.default.removeItem(at: folder1) }
        #expect(mangled.records.map(\.behavior) == ["FAILED", "FAILED"])
        let (silent, folder2) = try await Self.runPython(["1.1.2"], agent: "ignore", misbehave: "ignore")
        defer { try? FileManager.default.removeItem(at: folder2) }
        let record = try #require(silent.records.first)
        #expect(record.behavior == "FAILED")
    }

    @Test("a client that stops early is named with the first case it did not run; what ran is reported")
    func stopsEarly() async throws {
        let (outcome, folder) = try await Self.runPython(["1.1.1", "1.1.2", "1.1.3"], agent: "stops", misbehave: "stop:1")
        defer { try? FileManager.default.removeItem(at: folder) }
        guard case .stoppedEarly(let ran, let total, let missing, let status) = outcome.problem else {
            Issue.record("expected stoppedEarly, got \(String(describing: outcome.problem))")
            return
        }
        #expect(ran == 1 && total == 3 && missing == "1.1.2" && status == 0)
        #expect(outcome.records.map(\.caseID) == ["1.1.1"])
        let index = try ReferenceIndex.load(folder.appendingPathComponent("index.json"))
        #expect(index["stops"]?.keys.sorted() == ["1.1.1"])
    }

    @Test("a client that hangs is stopped after the idle timeout and named")
    func hangs() async throws {
        let (outcome, folder) = try await Self.runPython(["1.1.1", "1.1.2"], agent: "hangs", misbehave: "hang:1", idleTimeout: 1)
        defer { try? FileManager.default.removeItem(at: folder) }
        guard case .hung(_, let ran, let total) = outcome.problem else {
            Issue.record("expected hung, got \(String(describing: outcome.problem))")
            return
        }
        #expect(ran == 1 && total == 2)
    }

    @Test("a client that never connects: ended at once, or stopped after the connect timeout")
    func neverConnects() async throws {
        let (ended, folder1) = try await Self.runPython(["1.1.1"], command: ["/bin/sh", "-c", "exit 3"])
        defer { try? FileManager.default.removeItem(at: folder1) }
        #expect(ended.problem == .neverConnected(seconds: 30, exitStatus: 3))
        let (waiting, folder2) = try await Self.runPython(["1.1.1"], command: ["/bin/sh", "-c", "sleep 60"], connectTimeout: 0.5)
        defer { try? FileManager.default.removeItem(at: folder2) }
        #expect(waiting.problem == .neverConnected(seconds: 0.5, exitStatus: nil))
        let (missing, folder3) = try await Self.runPython(["1.1.1"], command: ["no-such-client-wsspec"])
        defer { try? FileManager.default.removeItem(at: folder3) }
        #expect(missing.problem == .cannotStart("no-such-client-wsspec: not found on PATH"))
    }

    @Test("the placeholders and the environment reach the client")
    func placeholders() async throws {
        let (outcome, folder) = try await Self.runPython(
            ["1.1.1"], agent: "env",
            command: ["/bin/sh", "-c", "test \"$WSSPEC_URL\" = \"$0\" && test \"$WSSPEC_AGENT\" = \"$1\" && test \"$WSSPEC_CASE_COUNT\" = 1 && exit 7", "{url}", "{agent}"])
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(outcome.problem == .neverConnected(seconds: 30, exitStatus: 7))
    }

    /// What the fuzzing server answers to one raw request.
    static func answer(to request: String, cases: [String] = ["1.1.1"]) async throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("wsspec-raw-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var serve = ServeRequest(builtinTestData: TestDataLibrary(directory: repositoryRoot.appendingPathComponent("Cases/data")))
        serve.include = cases
        serve.outdir = folder.path
        serve.port = 0
        let run = try ClientRun(serve, suite: try builtinSuite())
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await run.start(ClientRun.Events(), group: group)
        let reply = try await RawClient.exchange(Array(request.utf8), port: server.port, group: group)
        await server.stop()
        try await group.shutdownGracefully()
        return String(decoding: reply.map { $0 < 0x80 ? $0 : 0x3F }, as: UTF8.self)  // frame octets above 0x7F as '?'
    }

    static func upgrade(_ target: String) -> String {
        "GET \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    }

    @Test("requests that are not a client's: garbage, a case that does not exist, a missing agent, no upgrade")
    func badRequests() async throws {
        #expect(try await Self.answer(to: "hello\r\n\r\n").hasPrefix("HTTP/1.1 400 bad HTTP request line"))
        #expect(
            try await Self.answer(to: Self.upgrade("/runCase?case=999&agent=a"))
                == "HTTP/1.1 400 case=999 is outside 1...1, the cases this server runs\r\n\r\n")
        #expect(try await Self.answer(to: Self.upgrade("/runCase?case=1")).hasPrefix("HTTP/1.1 400 /runCase needs agent=NAME"))
        #expect(try await Self.answer(to: Self.upgrade("/getCaseInfo?case=x")).hasPrefix("HTTP/1.1 400 case=x is not a whole number"))
        #expect(try await Self.answer(to: "GET / HTTP/1.1\r\nHost: a\r\n\r\n") == "HTTP/1.1 426 HTTP Upgrade header missing\r\n\r\n")
    }

    @Test("the control endpoints: the count and the case info as one text message, then an empty Close")
    func controlEndpoints() async throws {
        let count = try await Self.answer(to: Self.upgrade("/getCaseCount"), cases: ["2.*", "5.19"])
        #expect(count.hasPrefix("HTTP/1.1 101 Switching Protocols\r\n"))
        #expect(Array(count.utf8.suffix(6)) == [0x3F, 0x02, 0x31, 0x32, 0x3F, 0x00], "text '12', then a Close without payload")
        let info = try await Self.answer(to: Self.upgrade("/getCaseInfo?casetuple=5.19"), cases: ["2.*", "5.19"])
        #expect(info.contains("{\"id\": \"5.19\", \"description\": \""))
    }
}

/// Writes octets to 127.0.0.1:port and collects what comes back until the server closes.
enum RawClient {
    final class Collector: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        var bytes: [UInt8] = []
        let done: EventLoopPromise<[UInt8]>
        init(done: EventLoopPromise<[UInt8]>) { self.done = done }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            bytes += unwrapInboundIn(data).readableBytesView
        }
        func channelInactive(context: ChannelHandlerContext) { done.succeed(bytes) }
    }

    static func exchange(_ request: [UInt8], port: Int, group: EventLoopGroup) async throws -> [UInt8] {
        let done = group.next().makePromise(of: [UInt8].self)
        let collector = Collector(done: done)
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { $0.pipeline.addHandler(collector) }
            .connect(host: "127.0.0.1", port: port).get()
        try await channel.writeAndFlush(ByteBuffer(bytes: request))
        return try await done.futureResult.get()
    }
}

/// The built-in echo client's state machine in the client role.
@Suite("Echo client state machine")
struct EchoClientMachineTests {
    static let request = HandshakeRequest(
        resource: "/runCase?case=1&agent=a", host: "127.0.0.1", port: 9001, key: "dGhlIHNhbXBsZSBub25jZQ==", userAgent: nil,
        origin: nil, protocols: [], extensions: [], extraHeaders: [])

    static func accepted() -> EchoConnectionStateMachine {
        var machine = EchoConnectionStateMachine(client: request, keepsText: true)
        _ = machine.start()
        _ = machine.received(
            ByteBuffer(
                string: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"))
        return machine
    }

    @Test("the request goes first; an answer with a wrong accept value closes TCP")
    func handshake() {
        var machine = EchoConnectionStateMachine(client: Self.request)
        guard case .write(let written) = machine.start().first else {
            Issue.record("nothing written")
            return
        }
        #expect(String(buffer: written).hasPrefix("GET /runCase?case=1&agent=a HTTP/1.1\r\n"))
        let actions = machine.received(
            ByteBuffer(string: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: x\r\n\r\n"))
        #expect(actions == [.close] && machine.phase == .closed)
        #expect(Self.accepted().phase == .open)
    }

    @Test("a text message is kept and echoed masked; a masked server frame fails the connection with 1002")
    func echoMasked() throws {
        var machine = Self.accepted()
        let actions = machine.received(ByteBuffer(bytes: [0x81, 0x02, 0x68, 0x69]))
        #expect(machine.texts == ["hi"])
        guard case .write(var echo) = actions.first else {
            Issue.record("no echo")
            return
        }
        let bytes = echo.readBytes(length: echo.readableBytes)!
        #expect(bytes.count == 8 && bytes[0] == 0x81 && bytes[1] == 0x82, "masked, length 2")
        #expect([bytes[6] ^ bytes[2], bytes[7] ^ bytes[3]] == [0x68, 0x69])
        let failed = machine.received(ByteBuffer(bytes: [0x81, 0x80, 1, 2, 3, 4]))
        guard case .write(var close) = failed.first else {
            Issue.record("no close")
            return
        }
        let frame = close.readBytes(length: close.readableBytes)!
        #expect(frame[0] == 0x88 && frame[1] & 0x80 != 0)
        #expect([frame[6] ^ frame[2], frame[7] ^ frame[3]] == [0x03, 0xEA], "1002")
    }
}
