import Engine
import CaseModel
import Foundation
import NIOCore
import NIOPosix
import Recording

/// Drives a `CaseDriver` over one TCP connection: feeds it what the socket does and performs what it asks.
/// Lives on the channel's event loop.
///
/// What waits to be written is bounded: while more than the channel's high water mark is unsent (a peer that
/// floods pings and never reads makes the pongs pile up), nothing more is read, so the peer's flood waits in
/// its own buffers instead of wsspec's memory. The mark is far above anything a case writes at once.
final class CaseConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Unsent octets beyond which reading pauses, and below which it resumes: above the suite's largest single
    /// write (a 16 MiB frame), so no case of the suite ever pauses.
    static let writeBufferWaterMark = ChannelOptions.Types.WriteBufferWaterMark(low: 8 << 20, high: 17 << 20)
    /// A read was asked for while the channel was not writable.
    private var readHeld = false

    private var engine: CaseDriver
    /// Succeeds with the recording when the connection is gone.
    private let done: EventLoopPromise<CaseRecording>
    private var timers: [TimerID: Scheduled<Void>] = [:]
    private var lastWrite: EventLoopFuture<Void>?
    private var needsFlush = false

    /// The pause between queued (chopped or synced) writes. The reference re-enters its reactor between
    /// them, about 25 µs a turn on loopback (its 9.5.1 writes 16,384 pieces in 413 ms). Servers' verdicts in
    /// the reserved-bit and opcode cases depend on it: whether a bad frame arrives in the same read as the
    /// frame before it.
    static let queuedWriteDelay = TimeAmount.microseconds(
        Int64(ProcessInfo.processInfo.environment["WSSPEC_WRITE_DELAY_US"].flatMap(Int64.init) ?? 25))

    private var inWriteTurn = false
    private var holdFlush = false
    /// When the last queued write was due. Turns are paced from it, not from when the last one ran, so
    /// the event loop's own latency does not add up over thousands of pieces.
    private var lastWriteTurnDue = NIODeadline.now()

    private func writeTurn() {
        inWriteTurn = true
        engine.writeTurn()
        perform()
        inWriteTurn = false
    }
    private var context: ChannelHandlerContext?

    // The wire trace.
    private let trace: TraceOptions
    private let caseID: String
    private let traceStart = CaseConnectionHandler.now()
    private var traceKept: [TimedTraceEvent] = []
    private var traceCount = 0

    /// What a held case waits for (`--pause-before`).
    private let pause: (@Sendable (String) async -> Void)?

    /// Octets read before this handler was added (the fuzzing server's router read the request to route it).
    private let alreadyRead: ByteBuffer?

    /// The case runs on an HTTP/2 stream: `StreamCaseHandler` sits between this handler and the stream, and the
    /// opening request and the closes go to it as user events.
    var overStream = false

    /// - Parameter alreadyRead: for a connection that is already active (server role, after routing): the driver
    ///   is told it is connected when the handler is added, and then fed these octets.
    init(
        engine: CaseDriver, done: EventLoopPromise<CaseRecording>, trace: TraceOptions = TraceOptions(), caseID: String = "",
        pause: (@Sendable (String) async -> Void)? = nil, alreadyRead: ByteBuffer? = nil
    ) {
        self.engine = engine
        self.done = done
        self.trace = trace
        self.caseID = caseID
        self.pause = pause
        self.alreadyRead = alreadyRead
    }

    /// The hold is over: the case goes on.
    private func resumeFromHold() {
        traceEvent(.resumed)
        engine.resume(at: Self.now())
        perform()
    }

    /// One event of the trace, stamped with the time since the case began.
    private func traceEvent(_ event: TraceEvent) {
        guard trace.isOn, traceCount <= trace.maxEvents else { return }
        traceCount += 1
        let timed = TimedTraceEvent(
            nanoseconds: Self.now() &- traceStart, event: traceCount > trace.maxEvents ? .truncated(trace.maxEvents) : event)
        trace.live?(caseID, timed)
        if trace.keep { traceKept.append(timed) }
    }

    /// The frames and octets the engine traced since the last call.
    private func drainTrace() {
        guard trace.isOn else { return }
        for event in engine.takeTrace() { traceEvent(event) }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        guard let alreadyRead else { return }
        engine.connected(at: Self.now(), wallClock: Date())
        perform()
        engine.received(alreadyRead, at: Self.now())
        perform()
        if !context.channel.isActive { channelInactive(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        // The channel's address (a stream channel has its connection's; its context has none).
        traceEvent(.tcpConnected(context.channel.remoteAddress.map { "\($0)" } ?? "?"))
        engine.connected(at: Self.now(), wallClock: Date())
        if let fields = engine.extendedConnectRequest {
            context.triggerUserOutboundEvent(StreamOpening(fields: fields), promise: nil)
        }
        perform()
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        engine.received(unwrapInboundIn(data), at: Self.now())
        perform()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let answer = event as? StreamAnswer {
            engine.streamResponse(answer.fields, at: Self.now())
            perform()
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    private var ended = false

    func channelInactive(context: ChannelHandlerContext) {
        guard !ended else { return }
        ended = true
        let now = Self.now()
        engine.connectionLost(at: now)
        perform()
        traceEvent(.tcpClosed)
        for timer in timers.values { timer.cancel() }
        timers.removeAll()
        var recording = engine.recording(at: now)
        recording.trace = traceKept
        done.succeed(recording)
    }

    func read(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            context.read()
        } else {
            readHeld = true
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable && readHeld {
            readHeld = false
            context.read()
        }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A reset or broken pipe: the connection is gone; channelInactive follows.
        traceEvent(.tcpError("\(error)"))
        context.close(promise: nil)
    }

    /// Monotonic nanoseconds: the driver's clock.
    static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    private func flushIfNeeded(_ context: ChannelHandlerContext) {
        if holdFlush {
            holdFlush = false
            return
        }
        if needsFlush {
            needsFlush = false
            context.flush()
        }
    }

    private func perform() {
        guard let context else { return }
        defer { flushIfNeeded(context) }
        drainTrace()
        let loop = context.eventLoop.assumeIsolated()
        for action in engine.takeActions() {
            switch action {
            case .write(let buffer):
                // Writes of one event-loop turn go out together, as the reference's reactor sends them.
                lastWrite = context.write(wrapOutboundOut(buffer))
                needsFlush = true
            case .scheduleWriteTurn:
                if inWriteTurn {
                    let now = NIODeadline.now()
                    var due = lastWriteTurnDue + Self.queuedWriteDelay
                    // Far behind (a stalled loop): start again from now rather than send a burst.
                    if due < now - .milliseconds(1) { due = now + Self.queuedWriteDelay }
                    lastWriteTurnDue = due
                    loop.scheduleTask(deadline: due) { self.writeTurn() }
                } else {
                    // The first queued write leaves together with the next one, as in the reference: its
                    // reactor runs the next queued write before it sends what the first one buffered.
                    holdFlush = true
                    lastWriteTurnDue = NIODeadline.now()
                    loop.execute { self.writeTurn() }
                }
            case .schedule(let id, let seconds):
                timers[id]?.cancel()
                traceEvent(.timerArmed(id.description, seconds: seconds))
                timers[id] = loop.scheduleTask(in: .nanoseconds(Int64(seconds * 1e9))) {
                    self.timers[id] = nil
                    self.traceEvent(.timerFired(id.description))
                    self.engine.timerFired(id)
                    self.perform()
                }
            case .cancel(let id):
                timers.removeValue(forKey: id)?.cancel()
            case .hold:
                traceEvent(.held)
                let wait = pause ?? { _ in }
                let caseID = caseID
                let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
                let eventLoop = context.eventLoop
                Task {
                    await wait(caseID)
                    eventLoop.execute { bound.value.resumeFromHold() }
                }
            case .close(let flushFirst):
                traceEvent(.tcpClosing)
                holdFlush = false
                flushIfNeeded(context)
                if overStream {
                    // The stream keeps the order of what was written: END_STREAM goes out after it.
                    context.triggerUserOutboundEvent(StreamClosing(orderly: flushFirst), promise: nil)
                } else if flushFirst, let lastWrite {
                    lastWrite.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
                } else {
                    context.close(promise: nil)
                }
            }
        }
    }
}
