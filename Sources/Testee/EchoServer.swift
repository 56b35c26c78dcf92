import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS

/// Why the echo server could not start.
public enum EchoServerError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidConfiguration(String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let reason): return "invalid echo server configuration: \(reason)"
        }
    }
}

/// The built-in strict RFC 6455 echo server: it echoes every message back unfragmented, answers pings, and fails
/// the connection with the right close code on every protocol violation. No extension or subprotocol is selected.
public final class EchoServer: Sendable {
    /// The port the server is bound to.
    public let port: Int
    public let configuration: EchoServerConfiguration

    private let serverChannel: any Channel
    private let group: any EventLoopGroup
    private let ownsGroup: Bool
    private let connections: ConnectionRegistry
    private let stopping = StopOnce()

    private init(
        port: Int, configuration: EchoServerConfiguration, serverChannel: any Channel, group: any EventLoopGroup,
        ownsGroup: Bool, connections: ConnectionRegistry
    ) {
        self.port = port
        self.configuration = configuration
        self.serverChannel = serverChannel
        self.group = group
        self.ownsGroup = ownsGroup
        self.connections = connections
    }

    /// Starts listening. Without `group`, the server runs on event loops of its own, which `stop()` shuts down.
    public static func start(
        _ configuration: EchoServerConfiguration, group: (any EventLoopGroup)? = nil
    ) async throws -> EchoServer {
        guard (0...65535).contains(configuration.port) else {
            throw EchoServerError.invalidConfiguration("port \(configuration.port) is out of range")
        }
        guard configuration.maxMessageSize >= 0 else {
            throw EchoServerError.invalidConfiguration("maxMessageSize must not be negative")
        }
        guard configuration.maxHandshakeSize > 0 else {
            throw EchoServerError.invalidConfiguration("maxHandshakeSize must be positive")
        }
        let tls = try makeTLSContext(configuration)
        let ownsGroup = group == nil
        let group = group ?? MultiThreadedEventLoopGroup(numberOfThreads: max(1, System.coreCount))
        let connections = ConnectionRegistry(eventLoop: group.next())

        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(
                .recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2048, maximum: 1 << 20)
            )
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                connections.add(channel)
                return channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    if configuration.http2 && tls != nil {
                        let negotiation = ApplicationProtocolNegotiationHandler { result, channel in
                            channel.eventLoop.makeCompletedFuture {
                                if case .negotiated("h2") = result {
                                    try configureHTTP2(channel, configuration: configuration)
                                } else {
                                    try channel.pipeline.syncOperations.addHandler(
                                        EchoConnectionHandler(configuration: configuration))
                                }
                            }
                        }
                        try channel.pipeline.syncOperations.addHandler(negotiation)
                    } else if configuration.http2 {
                        try configureHTTP2(channel, configuration: configuration)
                    } else {
                        try channel.pipeline.syncOperations.addHandler(EchoConnectionHandler(configuration: configuration))
                    }
                }
            }
        do {
            let channel = try await bootstrap.bind(host: configuration.host, port: configuration.port).get()
            guard let port = channel.localAddress?.port else {
                try? await channel.close().get()
                throw EchoServerError.invalidConfiguration("could not tell the bound port")
            }
            return EchoServer(
                port: port, configuration: configuration, serverChannel: channel, group: group,
                ownsGroup: ownsGroup, connections: connections)
        } catch {
            if ownsGroup { try? await group.shutdownGracefully() }
            throw error
        }
    }

    /// The TLS context of a `wss://` server, or nil for plain `ws://`.
    private static func makeTLSContext(_ configuration: EchoServerConfiguration) throws -> NIOSSLContext? {
        switch (configuration.tlsCertificateFile, configuration.tlsKeyFile) {
        case (nil, nil):
            return nil
        case (let certificateFile?, let keyFile?):
            let chain: [NIOSSLCertificate]
            do {
                chain = try NIOSSLCertificate.fromPEMFile(certificateFile)
            } catch {
                throw EchoServerError.invalidConfiguration("cannot read the PEM certificate chain \(certificateFile) (\(error))")
            }
            guard !chain.isEmpty else {
                throw EchoServerError.invalidConfiguration("\(certificateFile) holds no PEM certificate")
            }
            let key: NIOSSLPrivateKey
            do {
                key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
            } catch {
                throw EchoServerError.invalidConfiguration("cannot read the PEM private key \(keyFile) (\(error))")
            }
            var tls = TLSConfiguration.makeServerConfiguration(
                certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
            tls.shutdownTimeout = .seconds(1)
            if configuration.http2 { tls.applicationProtocols = ["h2", "http/1.1"] }
            do {
                return try NIOSSLContext(configuration: tls)
            } catch {
                throw EchoServerError.invalidConfiguration("the certificate and key do not make a TLS context (\(error))")
            }
        default:
            throw EchoServerError.invalidConfiguration("a TLS certificate and its key go together")
        }
    }

    /// Stops listening and closes every open connection (and the event loops the server made itself). Calling it
    /// again, or concurrently, waits for the same stop. With a `group` of the caller's, call it before shutting
    /// that group down.
    public func stop() async throws {
        let (serverChannel, connections, group, ownsGroup) = (serverChannel, connections, group, ownsGroup)
        try await stopping.run {
            let open = try await connections.stop()
            do {
                try await serverChannel.close().get()
            } catch ChannelError.alreadyClosed {
            }
            for channel in open {
                try? await channel.close().get()
            }
            if ownsGroup { try await group.shutdownGracefully() }
        }
    }
}

/// The open connections of a server, so that `stop()` can close them. Its state lives on one event loop.
private final class ConnectionRegistry: Sendable {
    private struct State: Sendable {
        var channels: [ObjectIdentifier: any Channel] = [:]
        var stopped = false
    }
    private let state: NIOLoopBoundBox<State>

    init(eventLoop: any EventLoop) {
        state = .makeBoxSendingValue(State(), eventLoop: eventLoop)
    }

    func add(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        let state = self.state
        state.eventLoop.execute {
            guard !state.value.stopped else {
                channel.close(promise: nil)
                return
            }
            state.value.channels[id] = channel
            channel.closeFuture.hop(to: state.eventLoop).whenComplete { _ in
                state.value.channels[id] = nil
            }
        }
    }

    /// Marks the server stopped and hands out the open connections.
    func stop() async throws -> [any Channel] {
        let state = self.state
        return try await state.eventLoop.submit { () -> [any Channel] in
            state.value.stopped = true
            defer { state.value.channels = [:] }
            return Array(state.value.channels.values)
        }.get()
    }
}

/// Runs the stop procedure once; later callers wait for the same outcome.
private actor StopOnce {
    private var task: Task<Void, any Error>?

    func run(_ body: @escaping @Sendable () async throws -> Void) async throws {
        if let task { return try await task.value }
        let task = Task { try await body() }
        self.task = task
        try await task.value
    }
}
