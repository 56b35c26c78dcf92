import CaseModel
import NIOCore
import Recording
import Testing
import WebSocketWire

@testable import Engine

@Suite("--pause-before: a case held after its handshake")
struct PauseBeforeTests {
    static let echo = definition(
        id: "2.2", steps: [.send(FrameStep(opcode: .ping, payload: .text("Hello"))), .closeAfter(seconds: 1)],
        expected: [(.ok, [.pong(.text("Hello"))])])

    @Test("held: no step runs, no case timer is armed and the watchdog is off; what the peer sends waits; resume runs the script")
    func holdAndResume() {
        var h = Harness(Self.echo)
        h.engine.holdAfterHandshake = true
        let opened = h.open()
        #expect(opened.contains(.hold))
        #expect(opened.contains(.cancel(.watchdog)))
        #expect(h.written.isEmpty, "nothing after the handshake request is written while held")
        #expect(!opened.contains { if case .schedule(.closeAfter, _) = $0 { return true } else { return false } })
        #expect(h.engine.isHeld && h.engine.state == .open)
        // A pong the peer sends meanwhile is not taken yet.
        _ = h.receive(serverFrame(.pong, Array("early".utf8)))
        #expect(h.engine.recording.received.isEmpty)

        h.engine.resume(at: h.now + 5_000_000_000)
        let resumed = h.engine.takeActions()
        #expect(!h.engine.isHeld)
        #expect(resumed.contains { if case .schedule(.watchdog, _) = $0 { return true } else { return false } })
        #expect(resumed.contains { if case .schedule(.closeAfter, _) = $0 { return true } else { return false } })
        #expect(resumed.contains { if case .write = $0 { return true } else { return false } })
        #expect(h.engine.recording.received == [.pong(Array("early".utf8))])
    }

    @Test("not held unless asked")
    func notHeld() {
        var h = Harness(Self.echo)
        let opened = h.open()
        #expect(!opened.contains(.hold))
        #expect(!h.written.isEmpty)
    }
}
