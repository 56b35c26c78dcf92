import CaseModel
import Engine
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP2
import NIOPosix
import NIOSSL
import Recording

extension CaseRunner {
    /// Runs a case over HTTP/2 (`h2://`, `h2s://`): a connection of its own (TLS with ALPN h2, or prior knowledge),
    /// the server's SETTINGS awaited, then one stream carrying the extended CONNECT and the case's WebSocket.
    ///
    /// Each case has its own connection, as over HTTP/1.1: a server that answers a case's protocol error by closing
    /// the whole connection (GOAWAY) cannot take other cases with it, flow-control windows start afresh, and the
    /// verdicts compare one to one with the same server over HTTP/1.1. `--jobs` stays the number of connections.
    func runOverHTTP2(
        _ definition: CaseDefinition, ordinal: Int, server: ServerTarget, engine: CaseDriver, pause: PauseOptions?,
        started: Date
    ) async -> (record: CaseRecord, recording: CaseRecording?) {
        func failure(_ problem: HarnessError) -> (record: CaseRecord, recording: CaseRecording?) {
            var record = Self.harnessFailure(
                definition, ordinal: ordinal, server: server, engine: engine, started: started, problem: problem)
            record.recording.httpVersion = "2"
            return (record, nil)
        }
        let streamCase = definition.handshake?.stream != nil
        if definition.handshake != nil && !streamCase {
            return failure(
                HarnessError(
                    .configuration,
                    "case \(definition.id) is an HTTP/1.1 handshake case (its request is raw HTTP/1.1 octets); it cannot run over HTTP/2"))
        }
        let tls: ClientTLS?
        do {
            tls = try clientTLS(for: server, applicationProtocols: ["h2"])
        } catch {
            return failure(HarnessError(.tls, "\(error)"))
        }
        let loop = group.next()
        await Self.tightenTimers(on: loop)
        let done = loop.makePromise(of: CaseRecording.self)
        let settingsPromise = loop.makePromise(of: Int?.self)
        let alpn = ALPNObserver()
        let goAway = NIOLockedValueBox<String?>(nil)
        var connectionConfiguration = NIOHTTP2Handler.ConnectionConfiguration()
        connectionConfiguration.initialSettings = HTTP2Settings.wsspecClient
        connectionConfiguration.targetWindowSize = 2 * HTTP2Settings.wsspecWindow
        // Up to 256 empty DATA frames in a row: cases write empty frames of length 0 only inside WebSocket frames,
        // but a server may flush empty DATA frames; NIO's default (1) would call that a flood.
        connectionConfiguration.maximumSequentialEmptyDataFrames = 256
        // An HTTP/2 handshake case sends malformed requests on purpose (RFC 9113 §8.1.1) and judges the answer
        // itself: NIO would refuse to send them.
        if streamCase { connectionConfiguration.headerBlockValidation = .disabled }
        var streamConfiguration = NIOHTTP2Handler.StreamConfiguration()
        streamConfiguration.targetWindowSize = HTTP2Settings.wsspecWindow
        streamConfiguration.outboundBufferSizeHighWatermark = CaseConnectionHandler.writeBufferWaterMark.high
        streamConfiguration.outboundBufferSizeLowWatermark = CaseConnectionHandler.writeBufferWaterMark.low
        let connection = connectionConfiguration
        let stream = streamConfiguration
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(.milliseconds(Int64(settings.connectTimeout * 1000)))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65536))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tls {
                        try tls.addHandlers(to: pipeline)
                        try pipeline.addHandler(alpn)
                    }
                    try pipeline.addHandler(
                        NIOHTTP2Handler(
                            mode: .client, eventLoop: channel.eventLoop, connectionConfiguration: connection,
                            streamConfiguration: stream,
                            inboundStreamInitializer: { channel in
                                // A server cannot open streams towards a client (RFC 9113 §8.4: push is off).
                                channel.close()
                            }))
                    try pipeline.addHandler(ConnectProtocolWatcher(settings: settingsPromise, goAway: goAway))
                }
            }
        let channel: Channel
        do {
            channel = try await bootstrap.connect(host: server.host, port: server.port).get()
        } catch {
            settingsPromise.fail(error)
            done.fail(error)
            return failure(HarnessError(.unreachable, "cannot connect to \(server.host):\(server.port): \(error)"))
        }
        defer { channel.close(promise: nil) }
        // The server's SETTINGS, within the opening-handshake timeout.
        let timeout = loop.scheduleTask(in: .nanoseconds(Int64(settings.timeouts.openHandshake * 1e9))) {
            settingsPromise.fail(
                StreamReset(description: "no SETTINGS frame from the server within \(settings.timeouts.openHandshake) s"))
        }
        let enableConnectProtocol: Int?
        do {
            enableConnectProtocol = try await settingsPromise.futureResult.get()
            timeout.cancel()
        } catch {
            timeout.cancel()
            done.fail(error)
            if let tls, let problem = tls.observation.failure {
                return failure(HarnessError(.tls, TLSContexts.explain(problem, serverName: tls.serverName)))
            }
            if tls != nil, alpn.negotiated != "h2" {
                return failure(Self.alpnProblem(alpn.negotiated))
            }
            return failure(HarnessError(.unreachable, "HTTP/2 connection to \(server.host):\(server.port) failed: \(error)"))
        }
        if tls != nil, alpn.negotiated != "h2" {
            done.fail(StreamReset(description: "ALPN"))
            return failure(Self.alpnProblem(alpn.negotiated))
        }
        if streamCase && enableConnectProtocol != 1 {
            // RFC 8441 §3: without the setting wsspec must not send :protocol; the case records what it saw.
            done.fail(StreamReset(description: "SETTINGS"))
            var recording = engine.recording(at: CaseConnectionHandler.now())
            recording.started = started
            recording.httpVersion = "2"
            recording.connectProtocolSetting = enableConnectProtocol
            recording.closing.wasClean = false
            recording.closing.droppedByMe = true
            recording.closing.wasNotCleanReason =
                "wsspec did not send the request: the server's SETTINGS do not allow extended CONNECT "
                + "(SETTINGS_ENABLE_CONNECT_PROTOCOL is \(enableConnectProtocol.map(String.init) ?? "absent"))"
            return (Self.record(definition, recording, ordinal: ordinal, agent: server.agent), recording)
        }
        guard enableConnectProtocol == 1 || streamCase else {
            done.fail(StreamReset(description: "SETTINGS"))
            return failure(
                HarnessError(
                    .unreachable,
                    "the server's SETTINGS do not allow extended CONNECT (SETTINGS_ENABLE_CONNECT_PROTOCOL is "
                        + "\(enableConnectProtocol.map(String.init) ?? "absent"), RFC 8441 §3 needs 1): "
                        + "it does not offer WebSocket over HTTP/2"))
        }
        let linger = TimeAmount.nanoseconds(Int64(settings.timeouts.serverDrop * 1e9))
        let trace = settings.trace
        let caseID = definition.id.description
        let ending = StreamEnding()
        let streamChannel: Channel
        do {
            let multiplexer = try await loop.submit {
                try channel.pipeline.syncOperations.handler(type: NIOHTTP2Handler.self).syncMultiplexer()
            }.get()
            let created = loop.makePromise(of: Channel.self)
            multiplexer.createStreamChannel(promise: created) { streamChannel in
                streamChannel.eventLoop.makeCompletedFuture {
                    let handler = CaseConnectionHandler(
                        engine: engine, done: done, trace: trace, caseID: caseID, pause: pause?.wait)
                    handler.overStream = true
                    try streamChannel.pipeline.syncOperations.addHandler(StreamCaseHandler(linger: linger, ending: ending))
                    try streamChannel.pipeline.syncOperations.addHandler(handler)
                }
            }
            streamChannel = try await created.futureResult.get()
        } catch {
            done.fail(error)
            return failure(HarnessError(.internalFailure, "cannot open an HTTP/2 stream: \(error)"))
        }
        do {
            let finished = try await withTaskCancellationHandler {
                if Task.isCancelled { streamChannel.close(promise: nil) }
                return try await done.futureResult.get()
            } onCancel: {
                streamChannel.close(promise: nil)
            }
            // The stream closes after the case (at most `linger` after wsspec's END_STREAM); then the connection.
            try? await streamChannel.closeFuture.get()
            var recording = finished
            recording.httpVersion = "2"
            recording.streamEnd = ending.kind?.text
            recording.streamReset = ending.serverReset
            // What the server's SETTINGS said, reported for the HTTP/2 handshake cases (every other case needs 1).
            if streamCase { recording.connectProtocolSetting = enableConnectProtocol }
            recording.goAway = goAway.withLockedValue { $0 }
            recording.tls = tls?.observation.session
            if Task.isCancelled { recording.harnessError = HarnessError.interrupted }
            return (Self.record(definition, recording, ordinal: ordinal, agent: server.agent), recording)
        } catch {
            return failure(HarnessError(.internalFailure, "the HTTP/2 stream failed inside wsspec: \(error)"))
        }
    }

    static func alpnProblem(_ negotiated: String?) -> HarnessError {
        HarnessError(
            .tls,
            "the server did not select HTTP/2 by ALPN (it chose \(negotiated.map { "'\($0)'" } ?? "none")): use wss:// for HTTP/1.1")
    }
}
