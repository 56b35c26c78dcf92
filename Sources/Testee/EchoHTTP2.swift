import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOTLS

// The echo server over HTTP/2 (RFC 8441): each stream that opens with an extended CONNECT for `websocket` carries one
// WebSocket connection, run by the same `EchoConnectionStateMachine` as over TCP. The server announces
// SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 (§3). Closing maps onto the stream as RFC 8441 §5 says: where the TCP server
// closes its connection, the stream server sends END_STREAM; a client's END_STREAM is the client closing TCP.

extension EchoServer {
    /// The server's HTTP/2 settings: extended CONNECT allowed, windows large enough for the suite's 16 MiB messages.
    static let http2Settings: HTTP2Settings = [
        HTTP2Setting(parameter: .maxConcurrentStreams, value: 100),
        HTTP2Setting(parameter: .initialWindowSize, value: 8 << 20),
        HTTP2Setting(parameter: .maxFrameSize, value: 1 << 14),
        HTTP2Setting(parameter: .enableConnectProtocol, value: 1),
    ]

    /// Makes `channel` speak HTTP/2 (after ALPN chose h2, or at once in cleartext: prior knowledge).
    static func configureHTTP2(_ channel: any Channel, configuration: EchoServerConfiguration) throws {
        var connection = NIOHTTP2Handler.ConnectionConfiguration()
        connection.initialSettings = http2Settings.filter {
            configuration.announceConnectProtocol || $0.parameter != .enableConnectProtocol
        }
        if configuration.laxHTTP2 { connection.headerBlockValidation = .disabled }
        connection.targetWindowSize = 16 << 20
        connection.maximumSequentialEmptyDataFrames = 256
        var stream = NIOHTTP2Handler.StreamConfiguration()
        stream.targetWindowSize = 8 << 20
        stream.outboundBufferSizeHighWatermark = 1 << 20
        stream.outboundBufferSizeLowWatermark = 256 << 10
        let handler = NIOHTTP2Handler(
            mode: .server, eventLoop: channel.eventLoop, connectionConfiguration: connection,
            streamConfiguration: stream
        ) { stream in
            stream.eventLoop.makeCompletedFuture {
                try stream.pipeline.syncOperations.addHandler(EchoStreamHandler(configuration: configuration))
            }
        }
        try channel.pipeline.syncOperations.addHandler(handler)
    }
}

/// One stream of the HTTP/2 echo server: the extended CONNECT checked and answered, then the echo.
final class EchoStreamHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias OutboundIn = Never
    typealias OutboundOut = HTTP2Frame.FramePayload

    private var machine: EchoConnectionStateMachine
    private let serverName: String
    private let lax: Bool
    private var opened = false
    private var ended = false

    init(configuration: EchoServerConfiguration) {
        machine = EchoConnectionStateMachine(configuration: configuration)
        serverName = configuration.serverName
        lax = configuration.laxHTTP2
    }

    /// RFC 8441 §4–5 and RFC 9113 §8.3/§8.5: what makes an extended CONNECT for a WebSocket; nil when the request is
    /// one, else the status to refuse it with and why.
    static func problem(_ headers: HPACKHeaders) -> (status: Int, reason: String, headers: [(String, String)])? {
        func single(_ name: String) -> String? {
            let values = headers[name]
            return values.count == 1 ? values[0] : nil
        }
        guard single(":method") == "CONNECT" else { return (405, "the WebSocket needs an extended CONNECT (RFC 8441 §4)", []) }
        guard let proto = single(":protocol") else {
            return (400, "CONNECT without :protocol is a plain CONNECT (RFC 9113 §8.5); this server is no proxy", [])
        }
        guard proto == "websocket" else { return (501, "unknown :protocol '\(proto)' (RFC 8441 §4)", []) }
        guard let path = single(":path"), !path.isEmpty else { return (400, "extended CONNECT without :path (RFC 8441 §4)", []) }
        guard single(":scheme") != nil else { return (400, "extended CONNECT without :scheme (RFC 8441 §4)", []) }
        guard single("sec-websocket-version") == "13" else {
            // RFC 6455 §4.4 (RFC 8441 §5 keeps the header): the refusal names the versions the server speaks.
            return (400, "sec-websocket-version must be 13 (RFC 8441 §5, RFC 6455 §4.1)", [("sec-websocket-version", "13")])
        }
        return nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .headers(let request) where !opened:
            opened = true
            if !lax, let (status, reason, extra) = Self.problem(request.headers) {
                var headers = HPACKHeaders([(":status", "\(status)"), ("server", serverName)] + extra)
                headers.add(name: "content-type", value: "text/plain")
                context.write(wrapOutboundOut(.headers(.init(headers: headers))), promise: nil)
                var body = context.channel.allocator.buffer(capacity: reason.utf8.count + 1)
                body.writeString(reason + "\n")
                context.writeAndFlush(wrapOutboundOut(.data(.init(data: .byteBuffer(body), endStream: true))), promise: nil)
                ended = true
                return
            }
            let extensions = request.headers["sec-websocket-extensions"]
            let accepted = machine.openedOverStream(
                extensionOffers: extensions.isEmpty ? nil : extensions.joined(separator: ", "))
            var headers = HPACKHeaders([(":status", "200"), ("server", serverName)])
            if let accepted { headers.add(name: "sec-websocket-extensions", value: accepted) }
            context.writeAndFlush(wrapOutboundOut(.headers(.init(headers: headers))), promise: nil)
            if request.endStream { perform(machine.inputClosed(), context: context) }
        case .data(let data):
            if case .byteBuffer(let buffer) = data.data, buffer.readableBytes > 0, opened, !ended {
                perform(machine.received(buffer), context: context)
            }
            if data.endStream { perform(machine.inputClosed(), context: context) }
        case .headers(let trailers):
            if trailers.endStream { perform(machine.inputClosed(), context: context) }
        default:
            break
        }
    }

    private func perform(_ actions: [EchoConnectionStateMachine.Action], context: ChannelHandlerContext) {
        guard !ended else { return }
        for action in actions {
            switch action {
            case .write(let bytes):
                context.write(wrapOutboundOut(.data(.init(data: .byteBuffer(bytes)))), promise: nil)
            case .close:
                // The TCP server's close: END_STREAM after what was written.
                ended = true
                let end = HTTP2Frame.FramePayload.data(.init(data: .byteBuffer(ByteBuffer()), endStream: true))
                context.write(wrapOutboundOut(end), promise: nil)
            }
        }
        context.flush()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        ended = true
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension EchoStreamHandler: Sendable {}
