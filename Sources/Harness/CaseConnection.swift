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

    /// The spacing of queued (chopped or synced) writes, from the start of one's turn to the next, in CPU time of
    /// the event loop's thread. The reference writes a queued piece, asks its reactor to come back in 10 µs, and
    /// the piece reaches the socket on the reactor's next turn; its reactor never sleeps meanwhile (a 10 µs timeout
    /// polls), so a piece goes out every reactor turn: about 25 µs of its CPU time, which is 25 µs of wall time on
    /// an idle machine (its 9.5.1 writes 16,384 pieces in 413 ms) and more on a busy one, where it shares a core,
    /// and never two pieces at once. Servers' verdicts in the reserved-bit and opcode cases depend on it: whether a
    /// bad frame arrives in the same read as the frame before it. So each queued write waits until the previous
    /// one has reached the socket (a server that does not read holds it back, as it holds back the reference's),
    /// then turns the event loop until the thread has spent this much CPU time since the previous write's turn
    /// began (the write itself, loopback's delivery included, counts, as in the reference's turn): the kernel
    /// spreads the pieces out
    /// on a busy machine as it spreads the reference's. (A timer would add the thread's wake-up latency instead,
    /// and pacing by deadlines would make up a late piece by sending the next ones sooner.)
    static let queuedWriteDelay = UInt64(
        ProcessInfo.processInfo.environment["WSSPEC_WRITE_DELAY_US"].flatMap(UInt64.init) ?? 25) * 1000

    /// Nanoseconds of CPU time the calling thread has used.
    static func threadCPUTime() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }

    private var inWriteTurn = false
    private var holdFlush = false

    /// The thread's CPU time when the last queued write's turn began.
    private var writeTurnStarted: UInt64 = 0

    /// Turns the event loop until the thread has spent `queuedWriteDelay` of CPU time since the last queued
    /// write's turn began, then runs the next queued write.
    private func pacedWriteTurn() {
        guard let context else { return }
        if Self.threadCPUTime() &- writeTurnStarted >= Self.queuedWriteDelay {
            writeTurn()
        } else {
            context.eventLoop.assumeIsolated().execute { self.pacedWriteTurn() }
        }
    }

    private func writeTurn() {
        writeTurnStarted = Self.threadCPUTime()
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

    /// The context holds this handler: keeping it after the handler is removed would keep both — and the driver
    /// with its deflater, inflater and buffers, some 300 KB a compression case — for the rest of the run.
    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
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
                if inWriteTurn, let lastWrite {
                    // A write that failed means the connection is gone: nothing more is sent.
                    lastWrite.assumeIsolated().whenSuccess { _ in
                        loop.execute { self.pacedWriteTurn() }
                    }
                } else {
                    // The first queued write leaves together with the next one, as in the reference: its
                    // reactor runs the next queued write before it sends what the first one buffered.
                    holdFlush = true
                    loop.execute { self.writeTurn() }
                }
            case .prepareWhenFlushed:
                // The writes of this turn are flushed when it ends; the work runs on a later turn.
                loop.execute {
                    self.engine.prepare()
                    self.perform()
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
