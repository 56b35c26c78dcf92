import Foundation
import Harness
import NIOCore
import NIOHTTP2
import NIOPosix
import Testee
import Testing

/// WebSocket over HTTP/2 (RFC 8441) end to end: the release-built `wsspec run h2://…` against `wsspec echo --http2`.
@Suite("WebSocket over HTTP/2", .serialized)
struct HTTP2SuiteTests {
    @Test("wsspec echo --http2: every case of categories 1–10 passes over h2://, as over ws://, with the headers reported")
    func builtinEchoOverHTTP2() throws {
        let server = try ReleaseEchoServer(options: ["--http2"])
        defer { server.stop() }
        #expect(server.url.hasPrefix("h2://"))
        let reports = try runRelease(coreCategories, against: server.url, agent: "wsspec-echo", options: ["--jobs", "4"])
        #expect(reports.count == coreCaseCount)
        for report in reports {
            let informational = report.caseID == "7.1.6" || report.caseID.hasPrefix("7.13.")
            let expected = informational ? "INFORMATIONAL" : "OK"
            #expect(report.entry.behavior == expected, "\(report.caseID): \(report.result)")
            #expect(report.entry.behaviorClose == expected, "\(report.caseID): \(report.resultClose)")
            #expect(report.json["wsspecHarnessError"] == nil, "\(report.caseID)")
            #expect(report.json["wsspecHTTPVersion"]?.stringValue == "2")
            #expect(report.json["httpRequest"]?.stringValue?.hasPrefix(":method: CONNECT\r\n:protocol: websocket\r\n") == true)
            #expect(report.json["httpResponse"]?.stringValue?.hasPrefix(":status: 200\r\n") == true)
            // The echo server ends every stream itself, as its TCP server closes every connection.
            #expect(report.json["wsspecStreamEnd"]?.stringValue == "END_STREAM from the server", "\(report.caseID)")
        }
    }

    /// Cases of categories 1–10 that take little time against Hypercorn over both transports (each case whose
    /// server never ends its stream waits out the 1 s drop timeout); `WSSPEC_FULL_HTTP2=1` runs all 301.
    static let hypercornSlice = ["1.1.1", "1.1.6", "2.*", "3.1", "3.2", "4.1.1", "5.1", "6.4.1", "6.10.1", "7.1.1", "7.3.1", "7.5.1", "10.1.1"]

    @Test("Hypercorn 0.18.0 over h2:// and ws:// on one port: the same verdicts, except where its stream is never ended")
    func hypercornAgreesAcrossTransports() throws {
        let server = try PythonEchoServer(script: "hypercorn_echo.py")
        defer { server.stop() }
        let full = ProcessInfo.processInfo.environment["WSSPEC_FULL_HTTP2"] == "1"
        let patterns = full ? coreCategories : Self.hypercornSlice
        let options = ["--jobs", "4"]
        let overHTTP1 = try runRelease(patterns, against: "ws://127.0.0.1:\(server.port)", agent: "hypercorn", options: options)
        let overHTTP2 = try runRelease(patterns, against: "h2://127.0.0.1:\(server.port)", agent: "hypercorn", options: options)
        #expect(overHTTP1.count == overHTTP2.count && !overHTTP1.isEmpty)
        var agreeing = 0
        var explained: [String] = []
        for (a, b) in zip(overHTTP1, overHTTP2) {
            #expect(a.caseID == b.caseID)
            #expect(b.json["wsspecHarnessError"] == nil && a.json["wsspecHarnessError"] == nil, "\(b.caseID)")
            #expect(b.json["httpResponse"]?.stringValue?.contains("server: hypercorn-h2\r\n") == true, "\(b.caseID)")
            if a.verdict == b.verdict {
                agreeing += 1
                continue
            }
            // The transport itself: Hypercorn's HTTP/2 side forgets a stream when its WebSocket closes (H2Protocol.
            // _close_stream) and sends neither END_STREAM nor RST_STREAM, so where its TCP server closes the
            // connection (over ws://: `droppedByMe` false) nothing reaches wsspec over h2:// — wsspec ends the
            // stream itself, or the connection dies when Hypercorn trips over the next DATA frame.
            let streamEnd = b.json["wsspecStreamEnd"]?.stringValue ?? ""
            let serverEnded = streamEnd.hasSuffix("from the server") || streamEnd.hasPrefix("RST_STREAM from the server")
            let serverClosedTCP = a.json["droppedByMe"]?.boolValue == false
            #expect(
                !serverEnded && serverClosedTCP,
                "\(a.caseID): \(a.verdict) over ws://, \(b.verdict) over h2:// (\(streamEnd)) is not the transport")
            explained.append("\(a.caseID): \(a.verdict) → \(b.verdict) (\(streamEnd))")
        }
        print("Hypercorn over h2:// vs ws://: \(agreeing) of \(overHTTP1.count) agree; explained:\n" + explained.joined(separator: "\n"))
        // The slice holds cases that show the difference (1.1.1: wsspec must end the stream after a clean close).
        #expect(explained.contains { $0.hasPrefix("1.1.1:") })
        // And cases that agree (3.2, 5.1): a frame wsspec writes after Hypercorn forgot the stream makes it drop the
        // whole connection, which is the server closing it over HTTP/2 as over TCP.
        #expect(agreeing > 0)
    }

    @Test("over TLS, ALPN picks h2 for h2:// and http/1.1 for wss:// on the same port: the same verdicts")
    func tlsByALPN() throws {
        let certificate = try TestCertificate()
        defer { certificate.remove() }
        let server = try ReleaseEchoServer(tls: (certificate.certificate, certificate.key), options: ["--http2"])
        defer { server.stop() }
        let tls = ["--ca-file", certificate.certificate, "--sni", "localhost", "--jobs", "4"]
        let patterns = ["1.*", "2.*", "7.*"]
        let overHTTP2 = try runRelease(patterns, against: "h2s://127.0.0.1:\(server.port)", agent: "echo", options: tls)
        let overHTTP1 = try runRelease(patterns, against: "wss://127.0.0.1:\(server.port)", agent: "echo", options: tls)
        #expect(overHTTP2.count == 64 && overHTTP1.count == 64)
        for (a, b) in zip(overHTTP2, overHTTP1) {
            #expect(a.caseID == b.caseID)
            #expect(a.verdict == b.verdict, "\(a.caseID): \(a.verdict) over h2s, \(b.verdict) over wss")
            #expect(a.json["wsspecHarnessError"] == nil && b.json["wsspecHarnessError"] == nil, "\(a.caseID)")
            #expect(a.json["wsspecHTTPVersion"]?.stringValue == "2" && b.json["wsspecHTTPVersion"] == nil)
            #expect(a.json["wsspecTLS"]?["version"]?.stringValue == "TLSv1.3")
            #expect(a.json["httpRequest"]?.stringValue?.contains(":scheme: https\r\n") == true)
        }
    }

    @Test("a server that does not offer RFC 8441 gives harness errors that say why, never the server's failure")
    func serversWithoutRFC8441() async throws {
        // An HTTP/2 server whose SETTINGS lack SETTINGS_ENABLE_CONNECT_PROTOCOL.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let plainHTTP2 = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        NIOHTTP2Handler(mode: .server, eventLoop: channel.eventLoop) { stream in stream.close() })
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = plainHTTP2.localAddress!.port!
        var records = try await runCases(["1.1.1"], against: "h2://127.0.0.1:\(port)")
        #expect(records[0].behavior == "ERROR" && records[0].behaviorClose == "ERROR")
        #expect(
            records[0].harnessError?.reason
                == "the server's SETTINGS do not allow extended CONNECT (SETTINGS_ENABLE_CONNECT_PROTOCOL is absent, RFC 8441 §3 needs 1): it does not offer WebSocket over HTTP/2")
        try await plainHTTP2.close()

        // An HTTP/1.1 server asked for HTTP/2 by prior knowledge: no SETTINGS comes.
        let http1 = try await startEchoServer()
        records = try await runCases(["1.1.1"], against: "h2://127.0.0.1:\(http1.port)")
        #expect(records[0].behavior == "ERROR")
        #expect(records[0].harnessError?.reason.hasPrefix("HTTP/2 connection to 127.0.0.1:\(http1.port) failed") == true)
        try await http1.stop()

        // A TLS server that does not select h2 by ALPN.
        let certificate = try TestCertificate()
        defer { certificate.remove() }
        var configuration = EchoServerConfiguration(port: 0)
        configuration.tlsCertificateFile = certificate.certificate
        configuration.tlsKeyFile = certificate.key
        let tlsOnly = try await EchoServer.start(configuration)
        var target = try ServerTarget(url: "h2s://127.0.0.1:\(tlsOnly.port)")
        target.tls.serverName = "localhost"
        target.tls.caFile = certificate.certificate
        records = try await runCases(["1.1.1"], against: target)
        #expect(records[0].behavior == "ERROR")
        #expect(records[0].harnessError?.reason.hasPrefix("the server did not select HTTP/2 by ALPN (it chose none)") == true)
        try await tlsOnly.stop()

        // The HTTP/1.1 handshake cases (raw HTTP/1.1 octets) cannot run over a stream: refused before connecting.
        let handshakeCase = try #require(try builtinSuite().cases.first { $0.id.description == "20.1.1" })
        let record = await CaseRunner(group: group, settings: RunSettings(seed: 1))
            .run(handshakeCase, ordinal: 1, server: try ServerTarget(url: "h2://127.0.0.1:9"))
        #expect(record.behavior == "ERROR")
        #expect(record.harnessError?.reason.contains("is an HTTP/1.1 handshake case") == true)
        try await group.shutdownGracefully()
    }
}
