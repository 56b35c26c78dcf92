import Foundation
import NIOCore
import NIOPosix
import WebSocketWire

/// The one bug a `PlantedBugServer` has; apart from it the server is a strict RFC 6455 echo server.
enum PlantedBug: String, CaseIterable, Sendable {
    /// None: the control, on which the fuzzer must find nothing.
    case none
    /// A frame that announces 126 payload octets makes the server crash: every connection dropped, and the next
    /// connection refused (it comes back after that, as under a supervisor).
    case crashOn126
    /// Text messages are echoed without checking their UTF-8.
    case echoesInvalidUTF8
    /// A ping is answered with a pong whose payload differs from the ping's.
    case wrongPong
    /// A reserved opcode is answered with a Close 1000 instead of 1002.
    case close1000OnReservedOpcode
    /// A ping with FIN clear makes the connection hang: nothing is read or answered any more, TCP stays open.
    case hangsOnFragmentedPing
}

/// A WebSocket echo server for the fuzzer's tests, on 127.0.0.1 and a free port: it applies RFC 6455 strictly (fails
/// the connection with 1002 on a framing violation, 1007 on invalid UTF-8 as soon as it shows, answers pings and
/// Close) except for one planted bug.
final class PlantedBugServer: @unchecked Sendable {
    let port: Int
    let bug: PlantedBug
    private let group: MultiThreadedEventLoopGroup
    private let channel: Channel
    let state = PlantedState()

    init(_ bug: PlantedBug) throws {
        self.bug = bug
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        self.group = group
        let state = state
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { child in
                if state.refuseNext() { return child.close() }
                state.add(child)
                return child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(PlantedBugHandler(bug: bug, state: state))
                }
            }
        channel = try bootstrap.bind(host: "127.0.0.1", port: 0).wait()
        port = channel.localAddress!.port!
    }

    var url: String { "ws://127.0.0.1:\(port)" }

    func stop() {
        channel.close(promise: nil)
        state.closeAll()
        try? group.syncShutdownGracefully()
    }
}

/// The connections of a server, and its crash: how many connections it still refuses.
final class PlantedState: @unchecked Sendable {
    private let lock = NSLock()
    private var channels: [ObjectIdentifier: Channel] = [:]
    private var down = 0
    private(set) var crashes = 0

    func add(_ channel: Channel) {
        lock.withLock { channels[ObjectIdentifier(channel)] = channel }
        channel.closeFuture.whenComplete { _ in self.lock.withLock { self.channels[ObjectIdentifier(channel)] = nil } }
    }

    /// True (once per crash) for a connection that arrives while the server is down.
    func refuseNext() -> Bool {
        lock.withLock {
            guard down > 0 else { return false }
            down -= 1
            return true
        }
    }

    func crash() {
        lock.withLock {
            down = 1
            crashes += 1
        }
        closeAll()
    }

    func closeAll() {
        let all = lock.withLock { Array(channels.values) }
        for channel in all { channel.close(promise: nil) }
    }
}

private final class PlantedBugHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let bug: PlantedBug
    let state: PlantedState
    private var request: [UInt8] = []
    private var open = false
    private var done = false
    private var parser = FrameParser(role: .server)
    private var current: FrameHeader?
    private var control: [UInt8] = []
    private var message: [UInt8] = []
    private var messageOpcode = Opcode.text
    private var utf8 = UTF8Validator()

    init(bug: PlantedBug, state: PlantedState) {
        self.bug = bug
        self.state = state
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !done else { return }
        let buffer = unwrapInboundIn(data)
        if open {
            parser.append(buffer)
            readFrames(context)
            return
        }
        request += buffer.readableBytesView
        guard let end = HandshakeResponse.endOfHeaderBlock(in: request) else { return }
        let headers = HandshakeResponse(headerBlock: Array(request[..<end]))
        let rest = Array(request[end...])
        request = []
        let accept = HandshakeRequest.acceptValue(forKey: headers["sec-websocket-key"] ?? "")
        write(
            context,
            Array("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: \(accept)\r\nServer: Planted/\(bug)\r\n\r\n".utf8))
        open = true
        if !rest.isEmpty {
            parser.append(rest)
            readFrames(context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    private func write(_ context: ChannelHandlerContext, _ bytes: [UInt8]) {
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
    }

    private func send(_ context: ChannelHandlerContext, _ opcode: Opcode, _ payload: [UInt8]) {
        write(context, FrameEncoder.encode(FrameHeader(opcode: opcode, payloadLength: UInt64(payload.count)), payload: payload))
    }

    /// Fails the connection: a Close with `code`, then TCP closed.
    private func fail(_ context: ChannelHandlerContext, _ code: UInt16) {
        done = true
        send(context, .close, FrameEncoder.closePayload(code: code, reason: nil))
        context.close(promise: nil)
    }

    private func readFrames(_ context: ChannelHandlerContext) {
        while !done, let event = parser.next() {
            switch event {
            case .frameBegin(let header, let violations):
                current = header
                if bug == .crashOn126 && header.payloadLength == 126 {
                    done = true
                    state.crash()
                    return
                }
                if let violation = violations.first {
                    switch (bug, violation) {
                    case (.close1000OnReservedOpcode, .reservedDataOpcode), (.close1000OnReservedOpcode, .reservedControlOpcode):
                        fail(context, 1000)
                    case (.hangsOnFragmentedPing, .fragmentedControlFrame) where header.opcode == .ping:
                        done = true  // reads nothing more, answers nothing, keeps TCP open
                    default:
                        fail(context, 1002)
                    }
                    return
                }
                if header.opcode.isControl {
                    control = []
                } else if header.opcode != .continuation {
                    messageOpcode = header.opcode
                    message = []
                    utf8 = UTF8Validator()
                }
            case .payload(let chunk):
                guard let header = current else { return }
                if header.opcode.isControl {
                    control += chunk.readableBytesView
                    continue
                }
                message += chunk.readableBytesView
                if messageOpcode == .text && bug != .echoesInvalidUTF8, case .invalid = utf8.validate(chunk.readableBytesView) {
                    fail(context, 1007)
                }
            case .frameEnd(let header):
                if header.opcode.isControl {
                    controlFrame(context, header.opcode, control)
                } else if header.fin {
                    if messageOpcode == .text && bug != .echoesInvalidUTF8 && !utf8.isComplete {
                        fail(context, 1007)
                        return
                    }
                    send(context, messageOpcode, message)
                    message = []
                }
            }
        }
    }

    private func controlFrame(_ context: ChannelHandlerContext, _ opcode: Opcode, _ payload: [UInt8]) {
        switch opcode {
        case .ping:
            send(context, .pong, bug == .wrongPong ? (payload.isEmpty ? [0x78] : payload.map { $0 ^ 0x20 }) : payload)
        case .close:
            if payload.count >= 2 {
                let code = Int(payload[0]) << 8 | Int(payload[1])
                if !CloseCode.isValidOnWire(code) { return fail(context, 1002) }
                if !UTF8Validator.isValid(payload[2...]) { return fail(context, 1007) }
                done = true
                send(context, .close, FrameEncoder.closePayload(code: UInt16(code), reason: nil))
            } else {
                done = true
                send(context, .close, [])
            }
            context.close(promise: nil)
        default:
            break
        }
    }
}
