import CaseModel
import Engine
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import Recording
import WebSocketWire

/// wsspec as a fuzzing server: the WebSocket client under test connects to it, once per case and once per control
/// request, on the reference's endpoints (`/getCaseCount`, `/getCaseInfo`, `/runCase`, `/getCaseStatus`,
/// `/updateReports`, `/stopServer`). `/runCase` plays a case with the engine in server role; what becomes of a
/// finished case (judging is done here, storing and reporting by the caller) goes to `hooks`.
public final class FuzzingServer: Sendable {
    /// What the server asks of its owner.
    public struct Hooks: Sendable {
        /// A case ended: its judged record (`ordinal` = the case's position in the selected list, `agent` = the
        /// client's `agent` parameter).
        public var caseEnded: @Sendable (CaseRecord) -> Void = { _ in }
        /// `/getCaseStatus`: call `answer` with the case's `behavior` once a result for (agent, case ID) exists.
        public var status: @Sendable (_ agent: String, _ caseID: String, _ answer: @escaping @Sendable (String) -> Void) -> Void = {
            _, _, _ in
        }
        /// `/updateReports`; the Close is sent when it returns.
        public var updateReports: @Sendable (_ agent: String) async -> Void = { _ in }
        /// `/stopServer`, or `/updateReports` with `shutdownOnComplete`.
        public var stopRequested: @Sendable () -> Void = {}
        /// A `/runCase` connection was routed (the case ID, the agent).
        public var caseStarted: @Sendable (_ caseID: String, _ agent: String) -> Void = { _, _ in }
        /// A TCP connection was accepted (any endpoint).
        public var accepted: @Sendable () -> Void = {}
        /// Whether the spec's `exclude-agent-cases` leaves this case out for this agent.
        public var excludes: @Sendable (_ agent: String, _ caseID: String) -> Bool = { _, _ in false }

        public init() {}
    }

    /// The selected cases; `case=N` addresses the N-th (1-based).
    public let cases: [CaseDefinition]
    public let settings: RunSettings
    let hooks: Hooks
    private let channel: Channel
    /// The port listened on (the one asked for, or the one the system chose for 0).
    public let port: Int
    public let host: String

    /// The endpoints are served over TLS (`wss://`).
    public let secure: Bool

    private init(cases: [CaseDefinition], settings: RunSettings, hooks: Hooks, channel: Channel, host: String, secure: Bool) {
        self.cases = cases
        self.settings = settings
        self.hooks = hooks
        self.channel = channel
        self.host = host
        self.secure = secure
        port = channel.localAddress?.port ?? 0
    }

    /// A PEM certificate chain and its private key, for `wss://`.
    public struct TLSFiles: Sendable, Equatable {
        public var certificate: String
        public var key: String
        public init(certificate: String, key: String) {
            self.certificate = certificate
            self.key = key
        }
    }

    /// A problem with the TLS files, naming the file.
    public struct TLSProblem: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// The server's TLS context from `files`; throws `TLSProblem`.
    public static func tlsContext(_ files: TLSFiles) throws -> NIOSSLContext {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(files.certificate)
        } catch {
            throw TLSProblem(description: "cannot read the PEM certificate chain \(files.certificate) (\(error))")
        }
        guard !chain.isEmpty else { throw TLSProblem(description: "\(files.certificate) holds no PEM certificate") }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: files.key, format: .pem)
        } catch {
            throw TLSProblem(description: "cannot read the PEM private key \(files.key) (\(error))")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.shutdownTimeout = .seconds(1)
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw TLSProblem(description: "\(files.certificate) and \(files.key) do not make a TLS context (\(error))")
        }
    }

    /// Listens on `host:port` (0: a free port); IPv6 addresses are taken as they are (`::1`). With `tls`, every
    /// endpoint is served over TLS.
    public static func start(
        cases: [CaseDefinition], settings: RunSettings, hooks: Hooks, host: String, port: Int, tls: TLSFiles? = nil,
        group: EventLoopGroup
    ) async throws -> FuzzingServer {
        let context = try tls.map(tlsContext)
        let box = NIOLockedValueBox<FuzzingServer?>(nil)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65536))
            .childChannelOption(.writeBufferWaterMark, value: CaseConnectionHandler.writeBufferWaterMark)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    guard let server = box.withLockedValue({ $0 }) else { throw ChannelError.ioOnClosedChannel }
                    if let context { try child.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context)) }
                    try child.pipeline.syncOperations.addHandler(RequestRouter(server: server))
                }
            }
        let channel = try await bootstrap.bind(host: host, port: port).get()
        let server = FuzzingServer(
            cases: cases, settings: settings, hooks: hooks, channel: channel, host: host, secure: context != nil)
        box.withLockedValue { $0 = server }
        return server
    }

    /// The `ws://` (or `wss://`) URL a client uses (IPv6 hosts in brackets).
    public var url: String {
        "\(secure ? "wss" : "ws")://\(host.contains(":") ? "[\(host)]" : host):\(port)"
    }

    /// Stops listening; connections already open run to their end.
    public func stop() async {
        try? await channel.close()
    }

    /// The case `case=N` (1-based) names, or `casetuple=ID`; the problem otherwise.
    func caseIndex(_ request: UpgradeRequest) -> Result<Int?, UpgradeRequest.Problem> {
        let numbers = request.values("case")
        let tuples = request.values("casetuple")
        guard numbers.count <= 1, tuples.count <= 1 else {
            return .failure(.init(400, "the query gives 'case' or 'casetuple' more than once"))
        }
        if let text = numbers.first {
            guard let n = Int(text) else { return .failure(.init(400, "case=\(text) is not a whole number")) }
            if n != 0 {
                guard (1...cases.count).contains(n) else {
                    return .failure(.init(400, "case=\(n) is outside 1...\(cases.count), the cases this server runs"))
                }
                return .success(n)
            }
        }
        if let text = tuples.first {
            let id = text.trimmingCharacters(in: .whitespaces)
            guard let index = cases.firstIndex(where: { $0.id.description == id }) else {
                return .failure(.init(400, "casetuple=\(id) is not a case this server runs"))
            }
            return .success(index + 1)
        }
        return .success(nil)
    }

    /// The judged record of a finished `/runCase`.
    func record(_ definition: CaseDefinition, _ recording: CaseRecording, index: Int, agent: String) -> CaseRecord {
        CaseRunner.record(definition, recording, ordinal: index, agent: agent)
    }
}

/// Reads the opening request of an accepted connection (5 s at most, 64 KiB at most), checks it and routes it:
/// `/runCase` to a case driver in server role, the other endpoints to a `ControlConnection`.
final class RequestRouter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let server: FuzzingServer
    private var buffer: ByteBuffer?
    private var timer: Scheduled<Void>?
    private var routed = false

    init(server: FuzzingServer) {
        self.server = server
    }

    func channelActive(context: ChannelHandlerContext) {
        server.hooks.accepted()
        let loop = context.eventLoop.assumeIsolated()
        timer = loop.scheduleTask(in: .nanoseconds(Int64(server.settings.timeouts.openHandshake * 1e9))) {
            context.close(promise: nil)
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !routed else { return }
        var incoming = unwrapInboundIn(data)
        if buffer == nil {
            buffer = incoming
        } else {
            buffer!.writeBuffer(&incoming)
        }
        let bytes = buffer!.readableBytesView
        guard let end = HandshakeResponse.endOfHeaderBlock(in: bytes) else {
            if bytes.count > 64 * 1024 { refuse(context, .init(431, "request header block longer than 65536 octets")) }
            return
        }
        routed = true
        timer?.cancel()
        let block = Array(bytes.prefix(end))
        guard let request = UpgradeRequest(headerBlock: block) else {
            return refuse(context, .init(400, "bad HTTP request line"))
        }
        if let problem = request.problem() { return refuse(context, problem) }
        if case .failure(let problem) = ClientDeflateOffer.parse(request["sec-websocket-extensions"]) {
            return refuse(context, problem)
        }
        let index: Int?
        switch server.caseIndex(request) {
        case .success(let n): index = n
        case .failure(let problem): return refuse(context, problem)
        }
        let agents = request.values("agent")
        guard agents.count <= 1 else { return refuse(context, .init(400, "the query gives 'agent' more than once")) }
        let agent = agents.first
        func needs(_ what: String) -> UpgradeRequest.Problem {
            .init(400, "\(request.path) needs \(what) in its query (e.g. \(request.path)?case=1&agent=myclient)")
        }
        let reply = request.switchingProtocols(server: "wsspec/\(WSSpecVersion.current)", extensions: nil)
        switch request.path {
        case "/runCase":
            guard let index else { return refuse(context, needs("case=N")) }
            guard let agent else { return refuse(context, needs("agent=NAME")) }
            let definition = server.cases[index - 1]
            if server.hooks.excludes(agent, definition.id.description) {
                control(context, reply: reply, messages: [])
                return
            }
            runCase(context, definition, index: index, agent: agent, bytes: buffer!)
        case "/getCaseCount":
            control(context, reply: reply, messages: ["\(server.cases.count)"])
        case "/getCaseInfo":
            guard let index else { return refuse(context, needs("case=N")) }
            let definition = server.cases[index - 1]
            let info = JSONText.object([("id", definition.id.description), ("description", Self.shortDescription(definition))])
            control(context, reply: reply, messages: [info])
        case "/getCaseStatus":
            guard let index else { return refuse(context, needs("case=N")) }
            guard let agent else { return refuse(context, needs("agent=NAME")) }
            let loop = context.eventLoop
            let handler = NIOLoopBound(control(context, reply: reply, messages: nil), eventLoop: loop)
            server.hooks.status(agent, server.cases[index - 1].id.description) { behavior in
                loop.execute { handler.value.sendAndClose([JSONText.object([("behavior", behavior)])]) }
            }
        case "/updateReports":
            guard let agent else { return refuse(context, needs("agent=NAME")) }
            let shutdown = request.values("shutdownOnComplete").contains { ["true", "yes"].contains($0.lowercased()) }
            let loop = context.eventLoop
            let handler = NIOLoopBound(control(context, reply: reply, messages: nil), eventLoop: loop)
            let hooks = server.hooks
            Task {
                await hooks.updateReports(agent)
                loop.execute { handler.value.sendAndClose([]) }
                if shutdown { hooks.stopRequested() }
            }
        case "/stopServer":
            control(context, reply: reply, messages: [])
            server.hooks.stopRequested()
        default:
            // Another path: the connection stays open and answers pings and the client's Close (the reference's
            // "direct command mode", whose commands wsspec does not take).
            control(context, reply: reply, messages: nil)
        }
    }

    /// The description up to its first `<`, runs of white space as one blank (what `/getCaseInfo` gives).
    static func shortDescription(_ definition: CaseDefinition) -> String {
        let text = definition.description.split(separator: "<", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }).joined(separator: " ")
    }

    private func refuse(_ context: ChannelHandlerContext, _ problem: UpgradeRequest.Problem) {
        routed = true
        timer?.cancel()
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: problem.response))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    @discardableResult
    private func control(_ context: ChannelHandlerContext, reply: String, messages: [String]?) -> ControlConnection {
        let handler = ControlConnection(closeTimeout: server.settings.timeouts.closeHandshake)
        let pipeline = context.pipeline.syncOperations
        try? pipeline.addHandler(handler, position: .after(self))
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: reply)), promise: nil)
        if let messages { handler.sendAndClose(messages) }
        pipeline.removeHandler(self, promise: nil)
        return handler
    }

    private func runCase(
        _ context: ChannelHandlerContext, _ definition: CaseDefinition, index: Int, agent: String, bytes: ByteBuffer
    ) {
        let settings = server.settings
        let engine = CaseDriver(
            definition: definition, role: .server, timeouts: settings.timeouts, seed: settings.seed, limits: settings.limits,
            testData: settings.testData, compressionCache: settings.compressionCache)
        let done = context.eventLoop.makePromise(of: CaseRecording.self)
        let server = server
        server.hooks.caseStarted(definition.id.description, agent)
        done.futureResult.whenSuccess { recording in
            server.hooks.caseEnded(server.record(definition, recording, index: index, agent: agent))
        }
        let pipeline = context.pipeline.syncOperations
        pipeline.removeHandler(self, promise: nil)
        try? pipeline.addHandler(CaseConnectionHandler(engine: engine, done: done, alreadyRead: bytes))
    }
}

/// A control endpoint after its 101: sends its text messages (unmasked), then a Close without payload; answers
/// pings; closes TCP when the client's Close arrives, or after the close-handshake timeout.
final class ControlConnection: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var parser = FrameParser(role: .server)
    private var control: [UInt8] = []
    private var current: FrameHeader?
    private var closeSent = false
    private let closeTimeout: Double
    private var context: ChannelHandlerContext?

    init(closeTimeout: Double) {
        self.closeTimeout = closeTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    /// The context holds this handler: both would be kept for the rest of the run.
    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    /// Sends `messages` as text frames and the empty Close.
    func sendAndClose(_ messages: [String]) {
        guard let context, !closeSent, context.channel.isActive else { return }
        for message in messages { send(.text, Array(message.utf8)) }
        send(.close, [])
        closeSent = true
        context.flush()
        context.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(Int64(closeTimeout * 1e9))) {
            context.close(promise: nil)
        }
    }

    private func send(_ opcode: Opcode, _ payload: [UInt8]) {
        let frame = FrameEncoder.encode(
            FrameHeader(fin: true, rsv: 0, opcode: opcode, maskKey: nil, payloadLength: UInt64(payload.count)), payload: payload)
        context?.write(wrapOutboundOut(ByteBuffer(bytes: frame)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        parser.append(unwrapInboundIn(data))
        while let event = parser.next() {
            switch event {
            case .frameBegin(let header, let violations):
                guard violations.isEmpty else {
                    context.close(promise: nil)
                    return
                }
                current = header
                control = []
            case .payload(let chunk):
                if current?.opcode.isControl == true { control += chunk.readableBytesView }
            case .frameEnd(let header):
                switch header.opcode {
                case .ping:
                    send(.pong, control)
                    context.flush()
                case .close:
                    if !closeSent {
                        // Answered with 1000, whatever the client's code (the reference does not echo it).
                        send(.close, [0x03, 0xE8])
                        closeSent = true
                    }
                    context.writeAndFlush(wrapOutboundOut(ByteBuffer())).assumeIsolated().whenComplete { _ in
                        context.close(promise: nil)
                    }
                    return
                default:
                    break
                }
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}

/// The three small JSON texts of the control endpoints, in the reference's form (Python's `json.dumps`:
/// `", "` and `": "`, non-ASCII escaped).
enum JSONText {
    static func object(_ members: [(String, String)]) -> String {
        "{" + members.map { "\(string($0.0)): \(string($0.1))" }.joined(separator: ", ") + "}"
    }

    static func string(_ text: String) -> String {
        var out = "\""
        for unit in text.utf16 {
            switch unit {
            case 0x22: out += "\\\""
            case 0x5C: out += "\\\\"
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(unit)!)
            default: out += String(format: "\\u%04x", unit)
            }
        }
        return out + "\""
    }
}
