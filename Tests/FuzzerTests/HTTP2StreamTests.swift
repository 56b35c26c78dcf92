import CaseModel
import Foundation
import NIOCore
import NIOEmbedded
import NIOHTTP2
import Recording
import Testing
import WebSocketWire

@testable import Engine
@testable import Harness

/// RFC 8441 in the engine (the extended CONNECT and its answer) and at the edge (closing mapped onto the stream).
@Suite("WebSocket over HTTP/2")
struct HTTP2StreamTests {
    static let echoHello = definition(
        steps: [.send(FrameStep(opcode: .text, payload: .bytes(hello))), .killAfter(seconds: 1)],
        expected: [(.ok, [.message(.bytes(hello), binary: false)])])

    static func options(protocols: [String] = [], headers: [HeaderField] = []) -> HandshakeOptions {
        var options = HandshakeOptions()
        options.resource = "/chat?room=1"
        options.host = "example.test"
        options.port = 8443
        options.origin = "https://example.test"
        options.protocols = protocols
        options.headers = headers
        return options
    }

    static func driver(
        _ definition: CaseDefinition = echoHello, options: HandshakeOptions = options(), transport: CaseTransport = .http2
    ) -> CaseDriver {
        CaseDriver(
            definition: definition, handshake: options, timeouts: ProtocolTimeouts(), seed: 1, transport: transport)
    }

    // MARK: The extended CONNECT

    @Test("the request: :method CONNECT, :protocol websocket, :scheme, :path, :authority first, then version 13")
    func request() throws {
        let fields = ExtendedConnect.request(
            options: Self.options(protocols: ["chat", "superchat"], headers: [try HeaderField(name: "X-Token", value: "a b")]),
            secure: true, extensions: ["permessage-deflate; client_max_window_bits"])
        #expect(fields == [
            HTTP2HeaderField(":method", "CONNECT"),
            HTTP2HeaderField(":protocol", "websocket"),
            HTTP2HeaderField(":scheme", "https"),
            HTTP2HeaderField(":path", "/chat?room=1"),
            HTTP2HeaderField(":authority", "example.test:8443"),
            HTTP2HeaderField("user-agent", "wsspec/\(WSSpecVersion.current)"),
            HTTP2HeaderField("origin", "https://example.test"),
            HTTP2HeaderField("sec-websocket-protocol", "chat,superchat"),
            HTTP2HeaderField("sec-websocket-extensions", "permessage-deflate; client_max_window_bits"),
            HTTP2HeaderField("x-token", "a b"),
            HTTP2HeaderField("sec-websocket-version", "13"),
        ])
        // No key, no Upgrade/Connection (RFC 8441 §5, RFC 9113 §8.2.2).
        #expect(!fields.contains { ["sec-websocket-key", "upgrade", "connection", "host"].contains($0.name) })
    }

    @Test("cleartext says :scheme http; a Host header becomes the :authority; an IPv6 host is bracketed")
    func authorityAndScheme() throws {
        var options = Self.options(headers: [try HeaderField(name: "Host", value: "virtual.test")])
        var fields = ExtendedConnect.request(options: options, secure: false, extensions: [])
        #expect(fields.first { $0.name == ":scheme" }?.value == "http")
        #expect(fields.first { $0.name == ":authority" }?.value == "virtual.test")
        #expect(fields.filter { $0.name == "host" }.isEmpty)
        options.headers = []
        options.host = "::1"
        fields = ExtendedConnect.request(options: options, secure: false, extensions: [])
        #expect(fields.first { $0.name == ":authority" }?.value == "[::1]:8443")
    }

    @Test("over a stream, connecting writes nothing: the edge sends the extended CONNECT, shown as the request")
    func connectingWritesNothing() {
        var engine = Self.driver()
        engine.connected(at: 1, wallClock: Date())
        let actions = engine.takeActions()
        #expect(!actions.contains { if case .write = $0 { true } else { false } })
        #expect(engine.extendedConnectRequest?.first == HTTP2HeaderField(":method", "CONNECT"))
        #expect(engine.handshakeRequest.hasPrefix(":method: CONNECT\r\n:protocol: websocket\r\n:scheme: http\r\n"))
        #expect(engine.handshakeRequest.hasSuffix("sec-websocket-version: 13\r\n\r\n"))
        // The HTTP/1.1 transport still writes its request.
        var plain = Self.driver(transport: .http1)
        plain.connected(at: 1, wallClock: Date())
        #expect(plain.extendedConnectRequest == nil)
        #expect(plain.takeActions().contains { if case .write = $0 { true } else { false } })
    }

    @Test(":status 200 opens the case and runs its steps: the frames go out as octets, the same as over TCP")
    func okOpens() {
        var engine = Self.driver()
        engine.connected(at: 1, wallClock: Date())
        _ = engine.takeActions()
        engine.streamResponse([HTTP2HeaderField(":status", "200"), HTTP2HeaderField("server", "h2test")], at: 2)
        let actions = engine.takeActions()
        #expect(engine.state == .open)
        let written = actions.compactMap(\.written)
        #expect(written.count == 1)
        var parser = FrameParser(role: .server)
        parser.append(ByteBuffer(bytes: written[0]))
        guard case .frameBegin(let header, let violations) = parser.next() else {
            Issue.record("no frame")
            return
        }
        #expect(header.opcode == .text && header.maskKey != nil && violations.isEmpty)
        let recording = engine.recording(at: 3)
        #expect(recording.connectionWasOpen)
        #expect(recording.handshakeResponse == ":status: 200\r\nserver: h2test\r\n\r\n")
        #expect(recording.peerSoftware == "h2test")
    }

    @Test("another :status refuses the handshake: wsspec resets the stream at once; FAILED / FAILED as over HTTP/1.1")
    func refused() {
        var engine = Self.driver()
        engine.connected(at: 1, wallClock: Date())
        _ = engine.takeActions()
        engine.streamResponse([HTTP2HeaderField(":status", "400")], at: 2)
        #expect(engine.takeActions() == [.close(flushFirst: false)])
        engine.connectionLost(at: 3)
        let recording = engine.recording(at: 3)
        #expect(!recording.connectionWasOpen)
        #expect(recording.closing.droppedByMe)
        #expect(recording.closing.wasNotCleanReason == "WebSocket extended CONNECT failed (:status 400)")
        let verdict = Judge.judge(Self.echoHello, recording)
        #expect(verdict.behavior == "FAILED" && verdict.behaviorClose == "FAILED")
    }

    @Test("the answer's subprotocol and extensions are checked as over HTTP/1.1")
    func answerChecks() {
        func reason(_ fields: [HTTP2HeaderField], protocols: [String] = []) -> String? {
            var engine = Self.driver(options: Self.options(protocols: protocols))
            engine.connected(at: 1, wallClock: Date())
            engine.streamResponse(fields, at: 2)
            return engine.state == .open ? nil : engine.recording(at: 3).closing.wasNotCleanReason
        }
        let ok = HTTP2HeaderField(":status", "200")
        #expect(reason([ok, HTTP2HeaderField("sec-websocket-protocol", "chat")], protocols: ["chat"]) == nil)
        #expect(
            reason([ok, HTTP2HeaderField("sec-websocket-protocol", "other")], protocols: ["chat"])
                == "subprotocol selected by server (other) not in subprotocol list requested by client ([\"chat\"])")
        #expect(
            reason([ok, HTTP2HeaderField("sec-websocket-extensions", "permessage-deflate")])
                == "server wants to use extension 'permessage-deflate' we did not request, haven't implemented or did not enable")
        #expect(reason([HTTP2HeaderField("server", "x")]) == "HTTP/2 response without a single valid :status ()")
        #expect(reason([ok, ok])?.hasPrefix("HTTP/2 response without a single valid :status") == true)
    }

    @Test("a server that never ends its stream after the closing handshake: wsspec ends it, and says so in stream words")
    func serverNeverEndsTheStream() {
        var engine = Self.driver()
        engine.connected(at: 1, wallClock: Date())
        engine.streamResponse([HTTP2HeaderField(":status", "200")], at: 2)
        _ = engine.takeActions()
        engine.received(ByteBuffer(bytes: serverFrame(.text, hello)), at: 3)
        _ = engine.takeActions()  // the echo arrived: wsspec closes with 1000
        engine.received(ByteBuffer(bytes: serverClose(1000)), at: 4)
        #expect(scheduled(engine.takeActions()).contains { $0.0 == .serverDrop })
        engine.timerFired(.serverDrop)
        #expect(engine.takeActions().contains(.close(flushFirst: false)))  // RST_STREAM at the edge
        engine.connectionLost(at: 5)
        var recording = engine.recording(at: 5)
        recording.httpVersion = "2"
        #expect(recording.closing.droppedByMe && recording.closing.wasServerConnectionDropTimeout)
        let outcome = Judge.judge(Self.echoHello, recording)
        let explanation = Explainer.explain(Self.echoHello, recording, outcome)
        #expect(explanation?.observedClose.hasSuffix("wsspec ended the stream") == true)
        // Over TCP the same recording speaks of TCP.
        recording.httpVersion = nil
        #expect(Explainer.explain(Self.echoHello, recording, outcome)?.observedClose.hasSuffix("wsspec dropped TCP") == true)
    }

    @Test("octets arriving before the answer are not read as an HTTP/1.1 response")
    func noHTTP1ParsingOverAStream() {
        var engine = Self.driver()
        engine.connected(at: 1, wallClock: Date())
        engine.received(ByteBuffer(string: "HTTP/1.1 101 Switching Protocols\r\n\r\n"), at: 2)
        #expect(engine.state == .connecting)
    }

    // MARK: Closing mapped onto the stream (RFC 8441 §5)

    /// The stream's edge in an embedded channel, with a recorder of what reaches the case's handler.
    final class CaseSide: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        var read: [ByteBuffer] = []
        var answers: [[HTTP2HeaderField]] = []
        var inactive = 0
        var errors: [String] = []

        func channelRead(context: ChannelHandlerContext, data: NIOAny) { read.append(unwrapInboundIn(data)) }
        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if let answer = event as? StreamAnswer { answers.append(answer.fields) }
        }
        func channelInactive(context: ChannelHandlerContext) { inactive += 1 }
        func errorCaught(context: ChannelHandlerContext, error: Error) { errors.append("\(error)") }
    }

    static func edge(_ ending: StreamEnding = StreamEnding()) throws -> (EmbeddedChannel, CaseSide) {
        let side = CaseSide()
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(StreamCaseHandler(linger: .seconds(1), ending: ending))
        try channel.pipeline.syncOperations.addHandler(side)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return (channel, side)
    }

    static func isEndStream(_ payload: HTTP2Frame.FramePayload?) -> Bool {
        guard case .data(let data) = payload, case .byteBuffer(let buffer) = data.data else { return false }
        return data.endStream && buffer.readableBytes == 0
    }

    @Test("the request goes out as HEADERS; the answer reaches the case; written octets go out as DATA of their size")
    func requestAndData() throws {
        let (channel, side) = try Self.edge()
        try channel.pipeline.triggerUserOutboundEvent(StreamOpening(fields: [HTTP2HeaderField(":method", "CONNECT")])).wait()
        guard case .headers(let headers) = try channel.readOutbound(as: HTTP2Frame.FramePayload.self) else {
            Issue.record("no HEADERS")
            return
        }
        #expect(headers.headers[":method"] == ["CONNECT"] && !headers.endStream)
        try channel.writeInbound(HTTP2Frame.FramePayload.headers(.init(headers: [":status": "200"])))
        #expect(side.answers == [[HTTP2HeaderField(":status", "200")]])
        for size in [1, 7, 3] {
            try channel.writeAndFlush(ByteBuffer(repeating: 0x41, count: size)).wait()
        }
        var sizes: [Int] = []
        while case .data(let data) = try channel.readOutbound(as: HTTP2Frame.FramePayload.self),
            case .byteBuffer(let buffer) = data.data
        {
            #expect(!data.endStream)
            sizes.append(buffer.readableBytes)
        }
        #expect(sizes == [1, 7, 3])
        try channel.writeInbound(HTTP2Frame.FramePayload.data(.init(data: .byteBuffer(ByteBuffer(string: "ab")))))
        #expect(side.read == [ByteBuffer(string: "ab")])
    }

    @Test("the server's END_STREAM is the server dropping the connection: the case ends, wsspec ends its side too")
    func serverEndsStream() throws {
        let ending = StreamEnding()
        let (channel, side) = try Self.edge(ending)
        try channel.writeInbound(
            HTTP2Frame.FramePayload.data(.init(data: .byteBuffer(ByteBuffer(string: "x")), endStream: true)))
        #expect(side.read.count == 1)
        #expect(side.inactive == 1)
        #expect(ending.kind == .serverEndStream)
        #expect(Self.isEndStream(try channel.readOutbound(as: HTTP2Frame.FramePayload.self)))
        // Nothing more can be written after END_STREAM.
        #expect(throws: (any Error).self) { try channel.writeAndFlush(ByteBuffer(string: "late")).wait() }
    }

    @Test("wsspec's orderly close is END_STREAM: the case ends at once; the stream is reset after the linger")
    func orderlyCloseIsEndStream() throws {
        let ending = StreamEnding()
        let (channel, side) = try Self.edge(ending)
        try channel.pipeline.triggerUserOutboundEvent(StreamClosing(orderly: true)).wait()
        #expect(Self.isEndStream(try channel.readOutbound(as: HTTP2Frame.FramePayload.self)))
        #expect(side.inactive == 1)
        #expect(channel.isActive)
        (channel.eventLoop as! EmbeddedEventLoop).advanceTime(by: .seconds(1))
        #expect(!channel.isActive)
        #expect(side.inactive == 1)
        #expect(ending.kind == .wsspecEndStream && ending.kind?.text == "END_STREAM from wsspec")
    }

    @Test("wsspec's abort is RST_STREAM: the stream channel is closed at once (NIO sends RST_STREAM CANCEL)")
    func abortIsReset() throws {
        let ending = StreamEnding()
        let (channel, side) = try Self.edge(ending)
        try channel.pipeline.triggerUserOutboundEvent(StreamClosing(orderly: false)).wait()
        #expect(try channel.readOutbound(as: HTTP2Frame.FramePayload.self) == nil)
        #expect(!channel.isActive)
        #expect(side.inactive == 1)
        #expect(ending.kind == .wsspecReset)
    }

    @Test("the server's RST_STREAM reaches the case as a reset naming the error code")
    func serverResets() throws {
        let ending = StreamEnding()
        let (channel, side) = try Self.edge(ending)
        channel.pipeline.fireErrorCaught(NIOHTTP2Errors.streamClosed(streamID: 1, errorCode: .protocolError))
        #expect(side.errors.count == 1)
        #expect(side.errors == ["the server reset the stream: RST_STREAM PROTOCOL_ERROR"])
        #expect(ending.kind == .serverReset("PROTOCOL_ERROR") && ending.serverReset == "PROTOCOL_ERROR")
        // A later close of the connection does not change who ended the stream first.
        _ = channel.close()
        #expect(ending.kind == .serverReset("PROTOCOL_ERROR"))
        #expect(HTTP2ErrorCode(networkCode: 0x0d).rfcName == "HTTP_1_1_REQUIRED" && HTTP2ErrorCode(networkCode: 0x42).rfcName == "0x42")
    }

    @Test("wsspec's own RST_STREAM, which NIO reports back as a stream error, is not taken for the server's")
    func ownResetIsNotTheServers() throws {
        let ending = StreamEnding()
        let (channel, side) = try Self.edge(ending)
        ending.noteOwnReset()
        channel.pipeline.fireErrorCaught(NIOHTTP2Errors.streamClosed(streamID: 1, errorCode: .cancel))
        #expect(side.errors.isEmpty)
        #expect(ending.kind == nil && ending.serverReset == nil)
    }

    @Test("h2:// and h2s:// URLs: HTTP/2 in cleartext or over TLS")
    func urls() throws {
        let plain = try ServerTarget(url: "h2://127.0.0.1:9001/ws")
        #expect(plain.http2 && !plain.secure && plain.transport == .http2 && plain.resource == "/ws")
        let secure = try ServerTarget(url: "h2s://example.test")
        #expect(secure.http2 && secure.secure && secure.port == 443 && secure.transport == .http2Secure)
        #expect(try ServerTarget(url: "wss://example.test").transport == .http1)
        #expect(throws: ServerTarget.InvalidURL.self) { try ServerTarget(url: "http://example.test") }
    }
}
