import CaseModel
import NIOCore
import NIOPosix
import Reports

/// Drives a `CaseEngine` over one TCP connection: feeds it what the socket does and performs what it asks.
/// Lives on the channel's event loop.
final class CaseConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var engine: CaseEngine
    private let done: EventLoopPromise<CaseEngine>
    private var timers: [CaseEngine.TimerID: Scheduled<Void>] = [:]
    private var lastWrite: EventLoopFuture<Void>?
    private var context: ChannelHandlerContext?

    init(engine: CaseEngine, done: EventLoopPromise<CaseEngine>) {
        self.engine = engine
        self.done = done
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelActive(context: ChannelHandlerContext) {
        engine.connected()
        perform()
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        engine.received(unwrapInboundIn(data))
        perform()
    }

    func channelInactive(context: ChannelHandlerContext) {
        engine.connectionLost()
        perform()
        for timer in timers.values { timer.cancel() }
        timers.removeAll()
        done.succeed(engine)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A reset or broken pipe: the connection is gone; channelInactive follows.
        context.close(promise: nil)
    }

    private func perform() {
        guard let context else { return }
        let loop = context.eventLoop.assumeIsolated()
        for action in engine.takeActions() {
            switch action {
            case .write(let bytes):
                let buffer = context.channel.allocator.buffer(bytes: bytes)
                lastWrite = context.writeAndFlush(wrapOutboundOut(buffer))
            case .scheduleWriteTurn:
                loop.scheduleTask(in: .microseconds(10)) {
                    self.engine.writeTurn()
                    self.perform()
                }
            case .schedule(let id, let seconds):
                timers[id]?.cancel()
                timers[id] = loop.scheduleTask(in: .nanoseconds(Int64(seconds * 1e9))) {
                    self.timers[id] = nil
                    self.engine.timerFired(id)
                    self.perform()
                }
            case .cancel(let id):
                timers.removeValue(forKey: id)?.cancel()
            case .close(let flushFirst):
                if flushFirst, let lastWrite {
                    lastWrite.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
                } else {
                    context.close(promise: nil)
                }
            }
        }
    }
}
