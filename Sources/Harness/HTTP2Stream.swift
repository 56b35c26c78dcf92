import Engine
import NIOConcurrencyHelpers
import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOTLS

// The HTTP/2 edge (RFC 8441): a case's WebSocket on one stream of its own HTTP/2 connection. The frames take the
// same path as over TCP — `CaseConnectionHandler` feeds the same `CaseDriver` — and `StreamCaseHandler`, between it
// and the stream, turns octets into DATA frames and back, sends the extended CONNECT, hands its answer to the case
// and maps closing the connection onto the stream (see `StreamClosing`).

/// The case asks its stream to carry the extended CONNECT (an outbound user event of `CaseConnectionHandler`).
struct StreamOpening: Sendable {
    var fields: [HTTP2HeaderField]
}

/// The server's response HEADERS, for the case (an inbound user event).
struct StreamAnswer: Sendable {
    var fields: [HTTP2HeaderField]
}

/// The case closes "the connection" (an outbound user event). RFC 8441 §5: an orderly TCP close is END_STREAM, an
/// aborted one (TCP RST) is RST_STREAM with CANCEL. `orderly` is the engine's `flushFirst`: the close after what
/// was written (the reference's `loseConnection`), as opposed to dropping it at once (its `abortConnection`).
struct StreamClosing: Sendable {
    var orderly: Bool
}

/// The server reset the stream (RST_STREAM), or the HTTP/2 connection under it failed.
struct StreamReset: Error, CustomStringConvertible {
    var description: String
}

/// Between the stream channel (HTTP/2 frame payloads) and `CaseConnectionHandler` (octets).
///
/// The case sees "the connection" end when either side ends the stream: when the server sends END_STREAM or
/// RST_STREAM (the TCP notions "the server dropped the connection", cleanly or not), or when wsspec sends its own
/// END_STREAM or RST_STREAM (wsspec dropped it: `droppedByMe`). After wsspec's own END_STREAM the stream stays
/// half-closed until the server ends its side too, for at most `linger` seconds, then it is reset; after the
/// server's END_STREAM wsspec answers with its own, so the stream always closes.
final class StreamCaseHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = HTTP2Frame.FramePayload

    private let linger: TimeAmount
    /// Who ended the stream first, and how (the report's `wsspecStreamEnd`).
    let ending: StreamEnding
    private var answered = false
    private var sentEnd = false
    private var caseEnded = false
    private var lingerTimer: Scheduled<Void>?

    init(linger: TimeAmount, ending: StreamEnding = StreamEnding()) {
        self.linger = linger
        self.ending = ending
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .headers(let headers):
            if !answered {
                answered = true
                let fields = headers.headers.map { HTTP2HeaderField($0.name, $0.value) }
                context.fireUserInboundEventTriggered(StreamAnswer(fields: fields))
            }
            if headers.endStream { peerEnded(context) }
        case .data(let data):
            if case .byteBuffer(let buffer) = data.data, buffer.readableBytes > 0 {
                context.fireChannelRead(wrapInboundOut(buffer))
            }
            if data.endStream { peerEnded(context) }
        default:
            break
        }
    }

    /// The server sent END_STREAM: to the case, the server closed the connection. wsspec ends its side too.
    private func peerEnded(_ context: ChannelHandlerContext) {
        ending.note(.serverEndStream)
        endCase(context)
        sendEnd(context)
    }

    private func sendEnd(_ context: ChannelHandlerContext) {
        guard !sentEnd else { return }
        sentEnd = true
        let end = HTTP2Frame.FramePayload.data(.init(data: .byteBuffer(ByteBuffer()), endStream: true))
        context.writeAndFlush(wrapOutboundOut(end), promise: nil)
    }

    /// The case's connection is over (`CaseConnectionHandler` records it), whether or not the stream is closed yet.
    private func endCase(_ context: ChannelHandlerContext) {
        guard !caseEnded else { return }
        caseEnded = true
        context.fireChannelInactive()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let buffer = unwrapOutboundIn(data)
        guard !sentEnd else {
            promise?.fail(ChannelError.outputClosed)
            return
        }
        context.write(wrapOutboundOut(.data(.init(data: .byteBuffer(buffer)))), promise: promise)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        switch event {
        case let opening as StreamOpening:
            let headers = HPACKHeaders(opening.fields.map { ($0.name, $0.value) })
            context.writeAndFlush(wrapOutboundOut(.headers(.init(headers: headers))), promise: promise)
        case let closing as StreamClosing:
            promise?.succeed(())
            if closing.orderly && !sentEnd {
                ending.note(.wsspecEndStream)
                sendEnd(context)
                endCase(context)
                let loopContext = NIOLoopBound(context, eventLoop: context.eventLoop)
                let ending = self.ending
                lingerTimer = context.eventLoop.assumeIsolated().scheduleTask(in: linger) {
                    ending.noteOwnReset()
                    loopContext.value.close(promise: nil)
                }
            } else {
                // RST_STREAM (CANCEL): NIO resets a stream whose channel is closed while it is open.
                ending.note(.wsspecReset)
                ending.noteOwnReset()
                endCase(context)
                context.close(promise: nil)
            }
        default:
            context.triggerUserOutboundEvent(event, promise: promise)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if let closed = error as? NIOHTTP2Errors.StreamClosed {
            // NIO reports wsspec's own RST_STREAM (CANCEL) this way too: only a reset wsspec did not send is the
            // server's.
            guard !ending.resetByWSSpec else { return }
            ending.note(.serverReset(closed.errorCode.rfcName))
            ending.noteServerReset(closed.errorCode.rfcName)
            context.fireErrorCaught(StreamReset(description: "the server reset the stream: RST_STREAM \(closed.errorCode.rfcName)"))
        } else {
            context.fireErrorCaught(error)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        lingerTimer?.cancel()
        ending.note(.connectionClosed)
        endCase(context)
    }
}

/// How a case's stream ended first: the HTTP/2 facts behind `droppedByMe` (reported as `wsspecStreamEnd`).
final class StreamEnding: Sendable {
    enum Kind: Sendable, Equatable {
        case serverEndStream, serverReset(String), wsspecEndStream, wsspecReset, connectionClosed

        var text: String {
            switch self {
            case .serverEndStream: return "END_STREAM from the server"
            case .serverReset(let code): return "RST_STREAM from the server (\(code))"
            case .wsspecEndStream: return "END_STREAM from wsspec"
            case .wsspecReset: return "RST_STREAM from wsspec (CANCEL)"
            case .connectionClosed: return "the HTTP/2 connection closed"
            }
        }
    }

    private let box = NIOLockedValueBox<Kind?>(nil)
    private let resetBox = NIOLockedValueBox<String?>(nil)

    init() {}

    /// The first ending counts.
    func note(_ kind: Kind) { box.withLockedValue { if $0 == nil { $0 = kind } } }
    var kind: Kind? { box.withLockedValue { $0 } }

    /// The server's RST_STREAM, whether or not it was the first ending (the report's `streamReset`).
    func noteServerReset(_ code: String) { resetBox.withLockedValue { $0 = code } }
    var serverReset: String? { resetBox.withLockedValue { $0 } }

    private let ownResetBox = NIOLockedValueBox(false)
    /// wsspec reset the stream (NIO then reports the reset as an error too).
    func noteOwnReset() { ownResetBox.withLockedValue { $0 = true } }
    var resetByWSSpec: Bool { ownResetBox.withLockedValue { $0 } }
}

extension HTTP2ErrorCode {
    /// RFC 9113 §7's name of the code (`PROTOCOL_ERROR`), or its number for a code the RFC does not name.
    var rfcName: String {
        let names = [
            "NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR", "SETTINGS_TIMEOUT", "STREAM_CLOSED",
            "FRAME_SIZE_ERROR", "REFUSED_STREAM", "CANCEL", "COMPRESSION_ERROR", "CONNECT_ERROR", "ENHANCE_YOUR_CALM",
            "INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED",
        ]
        return Int(networkCode) < names.count ? names[Int(networkCode)] : "0x\(String(networkCode, radix: 16))"
    }
}

/// On the HTTP/2 connection, after the HTTP/2 handler: waits for the server's first SETTINGS frame and tells
/// whether it allows extended CONNECT (RFC 8441 §3: a client must not send `:protocol` before the server's
/// `SETTINGS_ENABLE_CONNECT_PROTOCOL = 1`). Also notes what ALPN chose.
final class ConnectProtocolWatcher: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame

    /// Succeeds with the value of SETTINGS_ENABLE_CONNECT_PROTOCOL in the first SETTINGS (nil: absent); fails
    /// when the connection ends first.
    let settings: EventLoopPromise<Int?>
    private var done = false
    /// The error code of the server's GOAWAY, once one came.
    let goAwayBox: NIOLockedValueBox<String?>

    init(settings: EventLoopPromise<Int?>, goAway: NIOLockedValueBox<String?> = NIOLockedValueBox(nil)) {
        self.settings = settings
        goAwayBox = goAway
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        if case .goAway(_, let code, _) = frame.payload {
            goAwayBox.withLockedValue { if $0 == nil { $0 = code.rfcName } }
        }
        if !done, case .settings(.settings(let list)) = frame.payload {
            done = true
            settings.succeed(list.last { $0.parameter == .enableConnectProtocol }?.value)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if !done {
            done = true
            settings.fail(error)
        }
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !done {
            done = true
            settings.fail(StreamReset(description: "the server closed the connection before its SETTINGS frame"))
        }
        context.fireChannelInactive()
    }
}

/// Notes the protocol ALPN selected on a TLS connection.
final class ALPNObserver: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let box = NIOLockedValueBox<String?>(nil)
    var negotiated: String? { box.withLockedValue { $0 } }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted(let negotiatedProtocol) = event {
            box.withLockedValue { $0 = negotiatedProtocol }
        }
        context.fireUserInboundEventTriggered(event)
    }
}

extension HTTP2Settings {
    /// What wsspec announces as an HTTP/2 client: no server push, and receive windows large enough that the suite's
    /// largest messages (16 MiB in 9.x) do not wait on WINDOW_UPDATE round trips.
    static let wsspecClient: HTTP2Settings = [
        HTTP2Setting(parameter: .enablePush, value: 0),
        HTTP2Setting(parameter: .maxConcurrentStreams, value: 100),
        HTTP2Setting(parameter: .initialWindowSize, value: HTTP2Settings.wsspecWindow),
        HTTP2Setting(parameter: .maxFrameSize, value: 1 << 14),
    ]

    static let wsspecWindow = 8 << 20
}
