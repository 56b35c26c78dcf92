import Engine
import CaseModel
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Recording

/// Settings of a run that apply to every case.
public struct RunSettings: Sendable {
    /// Everything random in a run (masking keys, handshake keys) derives from this seed.
    public var seed: UInt64
    public var timeouts = ProtocolTimeouts()
    public var userAgent: String? = "wsspec/\(WSSpecVersion.current)"
    /// How long to wait for the TCP connection itself.
    public var connectTimeout: Double = 5
    /// How much of what a server sends wsspec holds (`--max-message-size`).
    public var limits = ReceiveLimits()
    /// The folder of test-data files the message-loop cases (12.x, 13.x) cut their messages from.
    public var testData: TestDataLibrary?
    /// Compressed messages of the message loops, kept for reuse across the cases of the run.
    public var compressionCache = CompressionCache()
    /// Where each case's wire trace goes, if anywhere.
    public var trace = TraceOptions()
    /// Cases held after their handshake until `wait` returns (`--pause-before`).
    public var pause: PauseOptions?

    public init(seed: UInt64) { self.seed = seed }
}

/// Which cases wait after the opening handshake, before their first step, and for what: `--pause-before`, so a
/// user can attach a debugger to the server with the connection open. The case's timers start when it goes on.
public struct PauseOptions: Sendable {
    /// Case patterns, as `--cases`.
    public var patterns: [String]
    /// Returns when the case may go on (the user pressed Enter).
    public var wait: @Sendable (_ caseID: String) async -> Void

    public init(patterns: [String], wait: @escaping @Sendable (String) async -> Void) {
        self.patterns = patterns
        self.wait = wait
    }

    public func holds(_ caseID: String) -> Bool {
        patterns.contains { CaseSelection.matches(pattern: $0, id: caseID) }
    }
}

/// The wire trace of the cases (`--trace`, `--trace-file`): handed, as it happens, to `live` (with the case's ID),
/// and kept in the recording when `keep`. Off when neither.
public struct TraceOptions: Sendable {
    public var live: (@Sendable (_ caseID: String, _ event: TimedTraceEvent) -> Void)?
    public var keep = false
    /// Events per case beyond which the trace stops (a flooding server).
    public var maxEvents = 20_000

    public init(live: (@Sendable (String, TimedTraceEvent) -> Void)? = nil, keep: Bool = false) {
        self.live = live
        self.keep = keep
    }

    public var isOn: Bool { live != nil || keep }
}

/// Runs one case against one server on a fresh connection and turns what happened into a record.
public struct CaseRunner: Sendable {
    public let group: EventLoopGroup
    public let settings: RunSettings
    /// TLS contexts for `wss://` servers, made once per set of options.
    public let tlsContexts = TLSContexts()

    public init(group: EventLoopGroup, settings: RunSettings) {
        self.group = group
        self.settings = settings
    }

    /// TLS for one client connection: the context, the name sent for SNI (none for an IP address), and what the
    /// handshake shows.
    struct ClientTLS {
        let context: NIOSSLContext
        let serverName: String?
        let observation = TLSObservation()

        /// The TLS handlers, in front of whatever speaks over TLS.
        func addHandlers(to pipeline: ChannelPipeline.SynchronousOperations) throws {
            try pipeline.addHandler(ServerHelloObserver(observation: observation))
            try pipeline.addHandler(NIOSSLClientHandler(context: context, serverHostname: serverName))
            try pipeline.addHandler(TLSHandshakeWatcher(observation: observation))
        }
    }

    /// TLS for a connection to `server`, nil for a plain one; `applicationProtocols` replaces the options' ALPN list.
    func clientTLS(for server: ServerTarget, applicationProtocols: [String]? = nil) throws -> ClientTLS? {
        guard server.secure else { return nil }
        var options = server.tls
        if let applicationProtocols { options.applicationProtocols = applicationProtocols }
        return ClientTLS(
            context: try tlsContexts.context(for: options, shutdownTimeout: settings.timeouts.serverDrop),
            serverName: server.tls.serverName ?? (ServerTarget.isIPAddress(server.host) ? nil : server.host))
    }

    /// Runs `definition` against `server`. Never throws: a harness problem (the server cannot be reached)
    /// becomes a record with behaviour ERROR and the problem in `harnessError`.
    public func run(_ definition: CaseDefinition, ordinal: Int, server: ServerTarget) async -> CaseRecord {
        await runKeepingEvents(definition, ordinal: ordinal, server: server).record
    }

    /// `run`, also returning the recording with its events whole (a record keeps only their previews); nil when the
    /// case could not run. `wsspec fuzz` judges one recording by several expectations.
    public func runKeepingEvents(
        _ definition: CaseDefinition, ordinal: Int, server: ServerTarget
    ) async -> (record: CaseRecord, recording: CaseRecording?) {
        var handshake = HandshakeOptions()
        handshake.resource = server.resource
        handshake.host = server.host
        handshake.port = server.port
        handshake.userAgent = settings.userAgent
        handshake.origin = server.origin
        handshake.protocols = server.protocols
        handshake.headers = server.headers
        var engine = CaseDriver(
            definition: definition, role: .client, handshake: handshake, timeouts: settings.timeouts,
            seed: settings.seed, limits: settings.limits, testData: settings.testData,
            compressionCache: settings.compressionCache, transport: server.transport)
        engine.tracing = settings.trace.isOn
        let pause = settings.pause.flatMap { $0.holds(definition.id.description) ? $0 : nil }
        engine.holdAfterHandshake = pause != nil
        let started = Date()
        if server.http2 {
            return await runOverHTTP2(
                definition, ordinal: ordinal, server: server, engine: engine, pause: pause, started: started)
        }
        if definition.handshake?.stream != nil {
            return (Self.harnessFailure(
                definition, ordinal: ordinal, server: server, engine: engine, started: started,
                problem: HarnessError(
                    .configuration,
                    "case \(definition.id) is an HTTP/2 handshake case (RFC 8441): it runs only against h2:// or h2s:// URLs")), nil)
        }
        let tls: ClientTLS?
        do {
            tls = try clientTLS(for: server)
        } catch {
            return (Self.harnessFailure(
                definition, ordinal: ordinal, server: server, engine: engine, started: started,
                problem: HarnessError(.tls, "\(error)")), nil)
        }
        let loop = group.next()
        await Self.tightenTimers(on: loop)
        let done = loop.makePromise(of: CaseRecording.self)
        let configured = engine  // the connection's handler gets the configured driver as a value, not the var
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(.milliseconds(Int64(settings.connectTimeout * 1000)))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            // Reads of up to 64 KiB, as the reference's reactor does, so `rxOctetStats` compare.
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65536))
            .channelOption(.writeBufferWaterMark, value: CaseConnectionHandler.writeBufferWaterMark)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try tls?.addHandlers(to: pipeline)
                    try pipeline.addHandler(
                        CaseConnectionHandler(
                            engine: configured, done: done, trace: settings.trace, caseID: definition.id.description,
                            pause: pause?.wait))
                }
            }
        let channel: Channel
        do {
            channel = try await bootstrap.connect(host: server.host, port: server.port).get()
        } catch {
            done.fail(error)
            return (Self.harnessFailure(
                definition, ordinal: ordinal, server: server, engine: engine, started: started,
                problem: HarnessError(.unreachable, "cannot connect to \(server.host):\(server.port): \(error)")), nil)
        }
        do {
            // Cancelling the task (wsspec was interrupted) closes the connection; the case is then recorded
            // as interrupted, with what happened until then.
            let finished = try await withTaskCancellationHandler {
                if Task.isCancelled { channel.close(promise: nil) }
                return try await done.futureResult.get()
            } onCancel: {
                channel.close(promise: nil)
            }
            var recording = finished
            if let tls {
                if let failure = tls.observation.failure {
                    return (Self.harnessFailure(
                        definition, ordinal: ordinal, server: server, engine: engine, started: started,
                        problem: HarnessError(.tls, TLSContexts.explain(failure, serverName: tls.serverName))), nil)
                }
                recording.tls = tls.observation.session
            }
            // A case cut short because wsspec was interrupted is never the server's failure.
            if Task.isCancelled { recording.harnessError = HarnessError.interrupted }
            return (Self.record(definition, recording, ordinal: ordinal, agent: server.agent), recording)
        } catch {
            return (Self.harnessFailure(
                definition, ordinal: ordinal, server: server, engine: engine, started: started,
                problem: HarnessError(.internalFailure, "the connection failed inside wsspec: \(error)")), nil)
        }
    }

    /// Linux lets a timer fire up to 50 µs late by default ("timer slack"); queued writes need better.
    static func tightenTimers(on loop: EventLoop) async {
        #if os(Linux)
            try? await loop.submit { _ = linuxPrctl(29 /* PR_SET_TIMERSLACK */, 1, 0, 0, 0) }.get()
        #endif
    }

    /// The record of a finished case: its recording, judged.
    public static func record(_ definition: CaseDefinition, _ recording: CaseRecording, ordinal: Int, agent: String?) -> CaseRecord {
        var expected: [Behavior: [RecordedEvent]] = [:]
        var expectedClose: ExpectedClose?
        if recording.connectionWasOpen {
            for outcome in definition.expected {
                expected[outcome.outcome] = outcome.events.map(\.recorded)
            }
            expectedClose = definition.close.recorded
        }
        let outcome = Judge.judge(definition, recording)
        return CaseRecord(
            agent: agent ?? recording.peerSoftware ?? "UnknownServer",
            caseID: definition.id.description,
            ordinal: ordinal,
            description: definition.description,
            expectation: definition.expectation,
            outcome: outcome,
            expected: expected,
            expectedClose: expectedClose,
            reportTime: definition.reportsTime,
            reportCompressionRatio: !definition.deflateOffers.isEmpty,
            recording: recording,
            explanation: Explainer.explain(definition, recording, outcome))
    }

    /// A case that could not run: ERROR / ERROR, never the server's failure.
    static func harnessFailure(
        _ definition: CaseDefinition, ordinal: Int, server: ServerTarget, engine: CaseDriver, started: Date,
        problem: HarnessError
    ) -> CaseRecord {
        var recording = CaseRecording()
        recording.handshakeRequest = engine.handshakeRequest
        recording.started = started
        recording.durationMilliseconds = Int((Date().timeIntervalSince(started) * 1000).rounded())
        return CaseRecord(
            agent: server.agent ?? "UnknownServer",
            caseID: definition.id.description,
            ordinal: ordinal,
            description: definition.description,
            expectation: definition.expectation,
            outcome: .harnessError(problem),
            reportTime: definition.reportsTime,
            recording: recording,
            explanation: Explainer.explain(definition, recording, .harnessError(problem)))
    }
}

extension ExpectedEvent {
    var recorded: RecordedEvent {
        switch self {
        case .message(let payload, let binary): return .message(payload.preview, binary: binary)
        case .pong(let payload): return .pong(payload.preview)
        case .timeout(let tag): return .timeout(tag)
        }
    }
}

extension Payload {
    /// The first octets and the length, without building a long payload twice.
    var preview: BytePreview {
        BytePreview(prefix: Array(prefixBytes(BytePreview.keptBytes)), length: count)
    }

    func prefixBytes(_ n: Int) -> [UInt8] {
        switch self {
        case .bytes(let b): return Array(b.prefix(n))
        case .repeated(let pattern, let length):
            return FrameEncoder.repeated(pattern.bytes(), toLength: Swift.min(n, length))
        case .concat(let parts):
            var out: [UInt8] = []
            for p in parts where out.count < n { out += p.prefixBytes(n - out.count) }
            return out
        }
    }
}

extension CloseExpectation {
    var recorded: ExpectedClose {
        ExpectedClose(
            closedByMe: closedByClient, closeCodes: codes, requireClean: requireClean,
            closedByWrongEndpointIsFatal: wrongEndpointIsFatal)
    }
}

import WebSocketWire

#if os(Linux)
    @_silgen_name("prctl")
    private func linuxPrctl(_ option: Int32, _ arg2: UInt, _ arg3: UInt, _ arg4: UInt, _ arg5: UInt) -> Int32
#endif
