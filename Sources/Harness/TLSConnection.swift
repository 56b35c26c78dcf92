import Engine
import NIOConcurrencyHelpers
import NIOCore
import NIOSSL
import NIOTLS
import Recording

/// The connection ended before the TLS handshake did, without an error from the TLS layer.
struct TLSEndedEarly: Error, CustomStringConvertible {
    var description: String { "the connection closed before the TLS handshake completed" }
}

/// The TLS client contexts of a run, one per distinct set of options, made once (loading trust roots and
/// certificates is not free).
public final class TLSContexts: Sendable {
    private let contexts = NIOLockedValueBox<[TLSClientOptions: NIOSSLContext]>([:])

    public init() {}

    /// A problem with the TLS options themselves (a CA file, certificate or key that cannot be loaded).
    public struct ConfigurationProblem: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// The context for `options`; throws `ConfigurationProblem` naming the file that cannot be used.
    public func context(for options: TLSClientOptions, shutdownTimeout: Double) throws -> NIOSSLContext {
        try contexts.withLockedValue { contexts in
            if let context = contexts[options] { return context }
            let context = try Self.make(options, shutdownTimeout: shutdownTimeout)
            contexts[options] = context
            return context
        }
    }

    static func make(_ options: TLSClientOptions, shutdownTimeout: Double) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        // wsspec drops connections as a test step; do not wait long for the server's close_notify.
        configuration.shutdownTimeout = .milliseconds(Int64(shutdownTimeout * 1000))
        if options.insecure { configuration.certificateVerification = .none }
        configuration.applicationProtocols = options.applicationProtocols
        if let caFile = options.caFile {
            do {
                configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
            } catch {
                throw ConfigurationProblem(description: "--ca-file \(caFile): cannot read PEM certificates (\(error))")
            }
        }
        if let certificateFile = options.certificateFile {
            do {
                configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(certificateFile).map { .certificate($0) }
            } catch {
                throw ConfigurationProblem(description: "--cert \(certificateFile): cannot read a PEM certificate chain (\(error))")
            }
        }
        if let keyFile = options.keyFile {
            do {
                configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem))
            } catch {
                throw ConfigurationProblem(description: "--key \(keyFile): cannot read a PEM private key (\(error))")
            }
        }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw ConfigurationProblem(description: "cannot set up TLS: \(error)")
        }
    }

    /// A harness-error text for a TLS failure: what went wrong in words a user can act on.
    static func explain(_ error: any Error, serverName: String?) -> String {
        let text = String(describing: error)
        let upper = text.uppercased()
        if upper.contains("HOSTNAME") || error as? NIOSSLExtraError == .failedToValidateHostname {
            return "TLS hostname mismatch: the server's certificate is not valid for '\(serverName ?? "the address")'"
                + " (use --sni to check another name, or --insecure) — \(text)"
        }
        if upper.contains("CERTIFICATE_VERIFY_FAILED") || upper.contains("UNABLE_TO_GET_ISSUER")
            || upper.contains("SELF_SIGNED") || upper.contains("SELF-SIGNED")
        {
            return "TLS certificate not trusted: the server's certificate does not chain to a trusted authority"
                + " (use --ca-file, or --insecure) — \(text)"
        }
        if upper.contains("CERTIFICATE_EXPIRED") || upper.contains("EXPIRED") {
            return "TLS certificate expired — \(text)"
        }
        if let ssl = error as? NIOSSLError, case .uncleanShutdown = ssl {
            return "TLS handshake failed: the server closed the connection during the TLS handshake"
        }
        return "TLS handshake failed: \(text)"
    }
}

/// What the TLS layer of one connection told: the session, or why the handshake failed. Written on the channel's
/// event loop, read after the connection has ended.
final class TLSObservation: Sendable {
    private struct State {
        var session: TLSSessionInfo?
        var handshakeCompleted = false
        var failure: (any Error)?
    }
    private let state = NIOLockedValueBox(State())

    var session: TLSSessionInfo? { state.withLockedValue { $0.session } }
    var handshakeCompleted: Bool { state.withLockedValue { $0.handshakeCompleted } }
    /// An error before the handshake completed: a harness problem, not the server's behaviour.
    var failure: (any Error)? { state.withLockedValue { $0.handshakeCompleted ? nil : $0.failure } }

    func sniffed(_ session: TLSSessionInfo) { state.withLockedValue { $0.session = session } }
    func completed() { state.withLockedValue { $0.handshakeCompleted = true } }
    func failed(_ error: any Error) {
        state.withLockedValue { if $0.failure == nil { $0.failure = error } }
    }
}

/// Sits on the network side of the TLS handler and reads the ServerHello as it passes.
final class ServerHelloObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private var sniffer = ServerHelloSniffer()
    private let observation: TLSObservation

    init(observation: TLSObservation) { self.observation = observation }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !sniffer.isDone {
            sniffer.feed(unwrapInboundIn(data).readableBytesView)
            if let session = sniffer.session { observation.sniffed(session) }
        }
        context.fireChannelRead(data)
    }
}

/// Sits on the application side of the TLS handler: notes the end of the handshake and any error before it.
final class TLSHandshakeWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let observation: TLSObservation

    init(observation: TLSObservation) { self.observation = observation }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event { observation.completed() }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        observation.failed(error)
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !observation.handshakeCompleted {
            observation.failed(TLSEndedEarly())
        }
        context.fireChannelInactive()
    }
}
