import CaseModel
import Recording
import WebSocketWire

/// The cases' own checks: the echo check (9.x) and the message loop (12.x, 13.x).
extension CaseDriver {
    mutating func echoReceived(binary: Bool) {
        guard let check = definition.echo, echo != nil else { return }
        if let failure = echo!.messageEnds(binary: binary) {
            recording.finding = failure
        } else {
            if echo!.rounds < check.rounds, let source = echo!.source {
                sendDataStep(source)
                return
            }
            recording.finding = .echoed(rounds: echo!.rounds, binary: binary, length: echo!.lastLength)
        }
        recorder.setLogging(true, announce: !wirelogSilent)
        sendClose(code: 1000, reason: nil)
    }

    /// The `message-loop` step: with permessage-deflate required but not negotiated the case is UNIMPLEMENTED and
    /// closes at once; otherwise arm the close timer and send the first message.
    mutating func startMessageLoop(_ step: MessageLoopStep) {
        if step.compressed && deflate == nil {
            recording.finding = .loopCompressionNotNegotiated
            sendClose(code: 1000, reason: nil)
            return
        }
        let data: TestDataSet
        do {
            guard let testData else { throw TestDataError("no test-data folder is configured") }
            data = try testData.dataSet(step.data, text: step.text)
        } catch {
            recording.harnessError = HarnessError(.configuration, "\(error)")
            sendClose(code: 1000, reason: nil)
            return
        }
        recording.finding = .loopStarted
        recorder.timer(.closeAfter(seconds: step.timeout))
        actions.append(.schedule(.closeAfter(nextTimer()), seconds: step.timeout))
        loop = MessageLoopRun(step: step, data: data, directory: testData?.directory.path ?? "")
        sendNextLoopMessage()
    }

    private mutating func sendNextLoopMessage() {
        guard state == .open, loop != nil else { return }
        let next = preparedLoopMessage ?? cutLoopMessage()
        preparedLoopMessage = nil
        loop!.inFlight(next.message)
        let step = loop!.step
        traffic.outgoingWebSocketMessages += 1
        traffic.outgoingOctetsAppLevel += next.message.count
        traffic.outgoingOctetsWebSocketLevel += next.payload.count
        sendMessage(next.payload, binary: !step.text, fragmentSize: step.fragmentSize, rsv: deflate == nil ? 0 : 4)
        if loop!.sent < step.count { actions.append(.prepareWhenFlushed) }
    }

    /// Cuts the loop's next message and compresses it (when permessage-deflate is on), in the order the messages
    /// are sent: with context takeover each one's compressed form depends on the ones before.
    private mutating func cutLoopMessage() -> PreparedLoopMessage {
        let (message, from) = loop!.nextMessage()
        guard let session = deflate else { return PreparedLoopMessage(message: message, payload: message) }
        let step = loop!.step
        if session.ownNoContextTakeover, let cache = compressionCache {
            let key = CompressionCache.Key(
                directory: loop!.directory, data: step.data, text: step.text, from: from, size: step.size,
                windowBits: session.deflater.windowBits)
            let payload = cache.value(key, caseID: definition.id.description) { session.deflater.compress(message) }
            return PreparedLoopMessage(message: message, payload: payload)
        }
        return PreparedLoopMessage(message: message, payload: session.deflater.compress(message))
    }

    /// The writes asked for have gone out (`prepareWhenFlushed`): the loop's next message is cut and compressed
    /// now, while the server works on the one in flight, instead of after its echo arrives.
    public mutating func prepare() {
        guard state == .open, loop != nil, preparedLoopMessage == nil, loop!.sent < loop!.step.count else { return }
        preparedLoopMessage = cutLoopMessage()
    }

    mutating func loopReceived(_ bytes: [UInt8], binary: Bool) {
        guard state == .open, loop != nil else { return }
        if let mismatch = loop!.check(bytes, binary: binary) {
            recording.finding = mismatch
            recorder.setLogging(true, announce: true)
            sendClose(code: 1000, reason: nil)
        } else if loop!.isComplete {
            recording.finding = .loopCompleted
            recording.traffic = traffic
            recorder.setLogging(true, announce: true)
            sendClose(code: 1000, reason: nil)
        } else {
            sendNextLoopMessage()
        }
    }
}
