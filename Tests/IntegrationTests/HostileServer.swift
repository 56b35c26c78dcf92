import Foundation
import NIOCore
import NIOPosix
import WebSocketWire

/// The ways the hostile test server misbehaves. Unless a mode says otherwise, once the handshake is
/// done the server behaves: it echoes messages, answers pings, answers a Close and closes TCP.
enum HostileMode: String, CaseIterable, Sendable, CustomStringConvertible {
    /// The control: a correct echo server.
    case polite
    // The opening handshake.
    /// Accepts TCP and never answers.
    case silent
    /// Answers with octets that are not HTTP (ended by an empty line).
    case garbage
    case http200
    case http404
    case http426
    case wrongAccept
    case missingAccept
    /// Selects permessage-deflate, which the client did not offer.
    case unofferedExtension
    /// Selects a subprotocol the client did not offer.
    case unofferedProtocol
    /// A complete answer whose header block is 100 KiB.
    case hugeHeader
    /// A 101 status line, then header lines forever, never the empty line.
    case endlessHeader
    /// Accepts every request with 101, whatever its method, version, key or Sec-WebSocket-Version; the accept value
    /// from the key when there is one, none otherwise; always selects the subprotocol `wsspec.unoffered`; accepts
    /// the first permessage-deflate offer by answering with its very parameters (`server_max_window_bits=7` too);
    /// refuses a request that starts with an empty line (400).
    case laxHandshake
    /// Checks the request as a server must, answers an unsupported version with 400 (not 426) and
    /// Sec-WebSocket-Version, and answers every permessage-deflate offer with
    /// `permessage-deflate; client_max_window_bits=15`, whatever it asked.
    case carelessDeflate
    // After the handshake.
    /// Masks every frame it sends.
    case maskedFrames
    /// Sends a data frame with the reserved opcode 3.
    case reservedOpcode
    /// Announces a text frame of 2^63 − 1 octets and sends a few.
    case maxLength
    /// Announces a binary frame of 1 GiB and sends 1 KiB every 10 ms.
    case drip1GiB
    /// Writes text frames as fast as it can and never reads again.
    case flood
    /// Writes pings as fast as it can and never reads again, so wsspec's pongs pile up.
    case pingFlood
    /// Sends Close with the invalid code 999.
    case invalidCloseCode
    /// Sends Close 1000 with a reason that is not UTF-8.
    case nonUTF8CloseReason
    /// Answers nothing after the handshake and resets the connection (RST) 100 ms into the case.
    case resetMidCase
    /// Answers nothing after the handshake, shuts its sending side down 100 ms into the case and keeps reading.
    case halfClose
    /// Answers the Close but never closes TCP.
    case neverCloseTCP
    /// Answers the Close twice, then closes TCP.
    case closeTwice
    /// Markup, NUL and invalid UTF-8 in its Server header, another header, a payload and its Close reason.
    case evilContent
    /// Sends an unsolicited text message right after the handshake on its first, third, fifth … connection, and
    /// behaves on the others: a server whose failures come and go.
    case everyOtherConnection

    var description: String { rawValue }

    /// The `Server` header of `evilContent`: markup, a path, NUL and octets that are not UTF-8.
    static let evilServerHeader: [UInt8] = Array("Evil<script>alert(1)</script></pre>/../../etc".utf8) + [0, 0xFF, 0xC0]
        + Array(" Server".utf8)
    /// The text `evilContent` puts into a text message and its Close reason.
    static let evilText = "<script>alert('x')</script></pre>\u{0}&lt;"
}

/// A misbehaving WebSocket server for tests, on 127.0.0.1 and a free port.
final class HostileServer: @unchecked Sendable {
    let port: Int
    let mode: HostileMode
    private let group: MultiThreadedEventLoopGroup
    private let channel: Channel
    private let children: ChildRegistry

    /// `crashAfter`: the server dies (closes every connection and stops listening) once it has
    /// accepted this many WebSocket connections, 50 ms into the last one.
    init(_ mode: HostileMode, crashAfter: Int? = nil) throws {
        self.mode = mode
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let children = ChildRegistry()
        self.group = group
        self.children = children
        let plan = crashAfter.map { CrashPlan(after: $0) }
        let counter = ConnectionCounter()
        let crash: (@Sendable () -> Void)? = plan.map { plan in
            { @Sendable in plan.accepted { children.closeEverything() } }
        }
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { child in
                children.add(child)
                return child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(HostileHandler(mode: mode, crash: crash, connection: counter.next()))
                }
            }
        let bound = try bootstrap.bind(host: "127.0.0.1", port: 0).wait()
        children.server = bound
        channel = bound
        port = bound.localAddress!.port!
    }

    var url: String { "ws://127.0.0.1:\(port)" }

    func stop() {
        channel.close(promise: nil)
        children.closeAll()
        try? group.syncShutdownGracefully()
    }
}

/// Numbers the accepted TCP connections from 1.
private final class ConnectionCounter: @unchecked Sendable {
    private var count = 0
    private let lock = NSLock()
    func next() -> Int { lock.withLock { count += 1; return count } }
}

/// Counts accepted WebSocket connections and runs the crash once.
private final class CrashPlan: @unchecked Sendable {
    let after: Int
    private var count = 0
    private let lock = NSLock()
    init(after: Int) { self.after = after }

    func accepted(_ crash: @escaping @Sendable () -> Void) {
        lock.lock()
        count += 1
        let now = count == after
        lock.unlock()
        if now { crash() }
    }
}

private final class ChildRegistry: @unchecked Sendable {
    private var channels: [ObjectIdentifier: Channel] = [:]
    private let lock = NSLock()
    /// The listening channel, closed by `closeEverything`.
    var server: Channel? {
        get { lock.withLock { serverChannel } }
        set { lock.withLock { serverChannel = newValue } }
    }
    private var serverChannel: Channel?

    func closeEverything() {
        server?.close(promise: nil)
        closeAll()
    }

    func add(_ channel: Channel) {
        lock.lock()
        channels[ObjectIdentifier(channel)] = channel
        lock.unlock()
        channel.closeFuture.whenComplete { _ in
            self.lock.lock()
            self.channels[ObjectIdentifier(channel)] = nil
            self.lock.unlock()
        }
    }

    func closeAll() {
        lock.lock()
        let all = Array(channels.values)
        lock.unlock()
        for channel in all { channel.close(promise: nil) }
    }
}

/// One connection of the hostile server.
private final class HostileHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let mode: HostileMode
    let crash: (@Sendable () -> Void)?
    private var request: [UInt8] = []
    private var open = false
    private var parser = FrameParser(role: .server)
    private var message: [UInt8] = []
    private var messageOpcode = Opcode.text
    private var control: [UInt8] = []
    private var inControlFrame = false
    private var closed = false

    /// The connection's number (from 1) among those the server accepted.
    let connection: Int

    init(mode: HostileMode, crash: (@Sendable () -> Void)?, connection: Int = 1) {
        self.mode = mode
        self.crash = crash
        self.connection = connection
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        if open {
            parser.append(buffer)
            readFrames(context)
            return
        }
        request += buffer.readableBytesView
        guard let end = HandshakeResponse.endOfHeaderBlock(in: request) else { return }
        let headers = HandshakeResponse(headerBlock: Array(request[..<end]))
        let rest = request[end...]
        let startsWithEmptyLine = request.first == 13
        request = []
        if mode == .laxHandshake || mode == .carelessDeflate {
            answerLoosely(context, headers, startsWithEmptyLine: startsWithEmptyLine)
        } else {
            answerHandshake(context, key: headers["sec-websocket-key"] ?? "")
        }
        if open && !rest.isEmpty {
            parser.append(Array(rest))
            readFrames(context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
    }

    // MARK: - Handshake

    private func write(_ context: ChannelHandlerContext, _ bytes: [UInt8]) {
        guard !closed else { return }
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
    }

    private func write(_ context: ChannelHandlerContext, _ text: String) {
        write(context, Array(text.utf8))
    }

    /// The answers of `laxHandshake` and `carelessDeflate`.
    private func answerLoosely(_ context: ChannelHandlerContext, _ request: HandshakeResponse, startsWithEmptyLine: Bool) {
        let offer = ExtensionResponse.parseHeader(request["sec-websocket-extensions"] ?? "")
            .first { $0.name == DeflateParameters.extensionName }
        var answer = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        if let key = request["sec-websocket-key"] { answer += "Sec-WebSocket-Accept: \(HandshakeRequest.acceptValue(forKey: key))\r\n" }
        if mode == .laxHandshake {
            if startsWithEmptyLine {
                write(context, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
                return
            }
            answer += "Sec-WebSocket-Protocol: wsspec.unoffered\r\n"
            if let offer {
                let parameters = offer.parameters.map { p in p.value.map { "\(p.name)=\($0)" } ?? p.name }
                answer += "Sec-WebSocket-Extensions: " + ([offer.name] + parameters).joined(separator: "; ") + "\r\n"
            }
        } else {
            let request = HeaderLinesOfRequest(request)
            if let problem = request.problem {
                write(context, "HTTP/1.1 \(problem)\r\nSec-WebSocket-Version: 13\r\nContent-Length: 0\r\n\r\n")
                return
            }
            if offer != nil { answer += "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=15\r\n" }
        }
        write(context, answer + "Server: Hostile/\(mode)\r\n\r\n")
        open = true
        afterHandshake(context)
    }

    private func answerHandshake(_ context: ChannelHandlerContext, key: String) {
        let accept = HandshakeRequest.acceptValue(forKey: key)
        let upgrade = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        let good = upgrade + "Sec-WebSocket-Accept: \(accept)\r\nServer: Hostile/\(mode)\r\n\r\n"
        switch mode {
        case .silent:
            return
        case .garbage:
            write(context, [0x00, 0xFF, 0x16, 0x03] + Array("<script>garbage\r\n\r\n".utf8))
            return
        case .http200:
            write(context, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")
            return
        case .http404:
            write(context, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            return
        case .http426:
            write(context, "HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\n\r\n")
            return
        case .wrongAccept:
            write(context, upgrade + "Sec-WebSocket-Accept: \(HandshakeRequest.acceptValue(forKey: "x"))\r\n\r\n")
            return
        case .missingAccept:
            write(context, upgrade + "\r\n")
            return
        case .unofferedExtension:
            write(context, upgrade + "Sec-WebSocket-Accept: \(accept)\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n")
            return
        case .unofferedProtocol:
            write(context, upgrade + "Sec-WebSocket-Accept: \(accept)\r\nSec-WebSocket-Protocol: chat\r\n\r\n")
            return
        case .hugeHeader:
            write(context, upgrade + "Sec-WebSocket-Accept: \(accept)\r\nX-Big: \(String(repeating: "a", count: 100 * 1024))\r\n\r\n")
            return
        case .endlessHeader:
            write(context, "HTTP/1.1 101 Switching Protocols\r\n")
            let line = "X-Drip: " + String(repeating: "b", count: 1000) + "\r\n"
            every(context, milliseconds: 2) { self.write(context, line) }
            return
        case .evilContent:
            var response = Array(upgrade.utf8) + Array("Sec-WebSocket-Accept: \(accept)\r\nServer: ".utf8)
            response += HostileMode.evilServerHeader
            response += Array("\r\nX-Evil: </pre><script>".utf8) + [0, 0xFE] + Array("\r\n\r\n".utf8)
            write(context, response)
        default:
            write(context, good)
        }
        open = true
        crash?()
        afterHandshake(context)
    }

    // MARK: - After the handshake

    private func frame(_ opcode: Opcode, _ payload: [UInt8]) -> [UInt8] {
        let mask: MaskKey? = mode == .maskedFrames ? MaskKey(1, 2, 3, 4) : nil
        return FrameEncoder.encode(
            FrameHeader(fin: true, opcode: opcode, maskKey: mask, payloadLength: UInt64(payload.count)), payload: payload)
    }

    private func afterHandshake(_ context: ChannelHandlerContext) {
        let loop = context.eventLoop.assumeIsolated()
        switch mode {
        case .reservedOpcode:
            write(context, frame(Opcode(rawValue: 3), Array("reserved".utf8)))
        case .maxLength:
            write(context, [0x81, 0x7F, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF] + Array("abc".utf8))
        case .drip1GiB:
            write(context, [0x82, 0x7F] + withUnsafeBytes(of: UInt64(1 << 30).bigEndian, Array.init))
            let chunk = [UInt8](repeating: 0x2A, count: 1024)
            every(context, milliseconds: 10) { self.write(context, chunk) }
        case .flood, .pingFlood:
            context.channel.setOption(.autoRead, value: false).whenComplete { _ in }
            flood(context)
        case .invalidCloseCode:
            write(context, frame(.close, FrameEncoder.closePayload(code: 999, reason: nil)))
        case .nonUTF8CloseReason:
            write(context, frame(.close, FrameEncoder.closePayload(code: 1000, reason: [0x61, 0xFF, 0xFE, 0x62])))
        case .resetMidCase:
            loop.scheduleTask(in: .milliseconds(100)) {
                // SO_LINGER with a zero timeout makes close send RST.
                (context.channel as? SocketOptionProvider)?.setSoLinger(linger(l_onoff: 1, l_linger: 0))
                    .assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            }
        case .halfClose:
            loop.scheduleTask(in: .milliseconds(100)) {
                context.close(mode: .output, promise: nil)
            }
        case .everyOtherConnection where connection % 2 == 1:
            write(context, frame(.text, Array("surprise".utf8)))
        case .evilContent:
            write(context, frame(.text, Array(HostileMode.evilText.utf8)))
            write(context, frame(.binary, [0x3C, 0x00, 0xFF, 0xC0, 0x80]))
            write(context, frame(.close, FrameEncoder.closePayload(code: 1000, reason: Array(HostileMode.evilText.utf8))))
        default:
            break
        }
    }

    /// Runs `body` every few milliseconds until the connection is gone.
    private func every(_ context: ChannelHandlerContext, milliseconds: Int64, _ body: @escaping () -> Void) {
        context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(milliseconds)) {
            guard !self.closed else { return }
            body()
            self.every(context, milliseconds: milliseconds, body)
        }
    }

    private func flood(_ context: ChannelHandlerContext) {
        guard !closed else { return }
        let one = mode == .pingFlood ? frame(.ping, [UInt8](repeating: 0x70, count: 125))
            : frame(.text, [UInt8](repeating: 0x66, count: 1024))
        var batch: [UInt8] = []
        for _ in 0..<64 { batch += one }
        let done = context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: batch)))
        done.assumeIsolated().whenSuccess { self.flood(context) }
    }

    private func readFrames(_ context: ChannelHandlerContext) {
        // These modes only listen until they break the connection.
        if mode == .resetMidCase || mode == .halfClose { return }
        while !closed, let event = parser.next() {
            switch event {
            case .frameBegin(let header, _):
                inControlFrame = header.opcode.isControl
                if inControlFrame {
                    control = []
                } else if header.opcode != .continuation {
                    messageOpcode = header.opcode
                    message = []
                }
            case .payload(let chunk):
                if inControlFrame { control += chunk.readableBytesView } else { message += chunk.readableBytesView }
            case .frameEnd(let header):
                if header.opcode.isControl {
                    controlFrame(context, header.opcode, control)
                } else if header.fin {
                    echo(context)
                }
            }
        }
    }

    private func echo(_ context: ChannelHandlerContext) {
        let payload = message
        message = []
        write(context, frame(messageOpcode, payload))
    }

    private func controlFrame(_ context: ChannelHandlerContext, _ opcode: Opcode, _ payload: [UInt8]) {
        switch opcode {
        case .ping:
            write(context, frame(.pong, payload))
        case .close:
            switch mode {
            case .invalidCloseCode, .nonUTF8CloseReason, .evilContent:
                context.close(promise: nil)
            case .neverCloseTCP:
                write(context, frame(.close, FrameEncoder.closePayload(code: 1000, reason: nil)))
            case .closeTwice:
                write(context, frame(.close, FrameEncoder.closePayload(code: 1000, reason: nil)))
                write(context, frame(.close, FrameEncoder.closePayload(code: 1000, reason: Array("again".utf8))))
                context.close(promise: nil)
            default:
                write(context, frame(.close, FrameEncoder.closePayload(code: 1000, reason: nil)))
                context.close(promise: nil)
            }
        default:
            break
        }
    }
}

/// What `carelessDeflate` checks of a request, as a server must (RFC 6455 §4.2.1): the status of its refusal, if any.
struct HeaderLinesOfRequest {
    var problem: String?

    init(_ request: HandshakeResponse) {
        let tokens = { (name: String) in
            (request[name] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        }
        let line = request.statusLine.split(separator: " ")
        let key = request["sec-websocket-key"].flatMap { Data(base64Encoded: $0) }
        let valid = line.count == 3 && line[0] == "GET" && line[2] == "HTTP/1.1" && request.headerCounts["host"] == 1
            && tokens("upgrade").contains("websocket") && tokens("connection").contains("upgrade")
            && request.headerCounts["sec-websocket-key"] == 1 && key?.count == 16
            && request["sec-websocket-version"] == "13"
        problem = valid ? nil : "400 Bad Request"
    }
}
