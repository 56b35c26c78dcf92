import NIOCore

/// Runs one connection's `EchoConnectionStateMachine` on the channel's event loop and carries out its actions.
///
/// Reading pauses while the channel is not writable, so a client that does not read its echoes cannot make the
/// server buffer without bound.
final class EchoConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var machine: EchoConnectionStateMachine
    private let handshakeTimeout: TimeAmount
    private var handshakeTimer: Scheduled<Void>?
    private var readPending = false
    private var closing = false

    init(configuration: EchoServerConfiguration) {
        self.machine = EchoConnectionStateMachine(configuration: configuration)
        self.handshakeTimeout = TimeAmount(configuration.handshakeTimeout)
    }

    /// The client role: succeeds `done` with the text messages kept once the connection is gone.
    private var done: EventLoopPromise<[String]>?

    init(client machine: EchoConnectionStateMachine, done: EventLoopPromise<[String]>) {
        self.machine = machine
        self.done = done
        self.handshakeTimeout = .seconds(10)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { startHandshakeTimer(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        startHandshakeTimer(context: context)
        perform(machine.start(), context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelHandshakeTimer()
        done?.succeed(machine.texts)
        done = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelHandshakeTimer()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let actions = machine.received(unwrapInboundIn(data))
        if machine.phase != .awaitingHandshake { cancelHandshakeTimer() }
        perform(actions, context: context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            perform(machine.inputClosed(), context: context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        closing = true
        context.close(promise: nil)
    }

    // Backpressure: hold reads while the outbound buffer is above its high-water mark.
    func read(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            context.read()
        } else {
            readPending = true
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable && readPending {
            readPending = false
            context.read()
        }
        context.fireChannelWritabilityChanged()
    }

    // MARK: -

    private func perform(_ actions: [EchoConnectionStateMachine.Action], context: ChannelHandlerContext) {
        guard !actions.isEmpty, !closing else { return }
        var shouldClose = false
        var lastWrite: EventLoopPromise<Void>?
        for action in actions {
            switch action {
            case .write(let bytes):
                let promise = context.eventLoop.makePromise(of: Void.self)
                context.write(wrapOutboundOut(bytes), promise: promise)
                lastWrite = promise
            case .close:
                shouldClose = true
            }
        }
        context.flush()
        guard shouldClose else { return }
        closing = true
        cancelHandshakeTimer()
        guard let lastWrite else {
            context.close(promise: nil)
            return
        }
        // Close TCP once the last octets (the Close frame or the HTTP answer) have been handed to the kernel.
        lastWrite.futureResult.assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    private func startHandshakeTimer(context: ChannelHandlerContext) {
        guard handshakeTimer == nil, machine.phase == .awaitingHandshake else { return }
        handshakeTimer = context.eventLoop.assumeIsolated().scheduleTask(in: handshakeTimeout) {
            self.handshakeTimer = nil
            self.perform(self.machine.handshakeTimedOut(), context: context)
        }
    }

    private func cancelHandshakeTimer() {
        handshakeTimer?.cancel()
        handshakeTimer = nil
    }
}

@available(*, unavailable)
extension EchoConnectionHandler: Sendable {}
