import Foundation
import Recording

/// The wire trace as text: one line per event, the time since the case began first, then what happened —
/// `TX frame text fin=1 rsv=0 mask=1a2b3c4d len=5 'Hello'`. Everything but the time is the same between two runs
/// with the same seed against the same server, so traces diff well (`cut -c17-` drops the times).
public enum TraceText {
    /// `      0.123 ms  TX frame …`.
    public static func line(_ event: TimedTraceEvent) -> String {
        String(format: "%11.3f ms  ", Double(event.nanoseconds) / 1e6) + describe(event.event)
    }

    /// The whole trace of a case, with a header naming it.
    public static func document(caseID: String, agent: String, events: [TimedTraceEvent]) -> String {
        (["# wsspec wire trace: case \(caseID), \(OctetSummary.plain(agent))"] + events.map(line)).joined(separator: "\n") + "\n"
    }

    static let opcodeNames: [Int: String] = [0: "continuation", 1: "text", 2: "binary", 8: "close", 9: "ping", 10: "pong"]

    public static func describe(_ event: TraceEvent) -> String {
        switch event {
        case .wire(let entry): return describe(entry)
        case .tcpConnected(let address): return "TCP connected to \(OctetSummary.plain(address))"
        case .timerArmed(let name, let seconds): return "timer \(name) armed: \(seconds) s"
        case .timerFired(let name): return "timer \(name) fired"
        case .tcpClosing: return "TCP closed by wsspec"
        case .tcpClosed: return "TCP gone"
        case .tcpError(let text): return "TCP error: \(OctetSummary.plain(text))"
        case .held: return "held after the handshake (--pause-before)"
        case .resumed: return "resumed"
        case .truncated(let n): return "trace stopped after \(n) events"
        }
    }

    static func describe(_ entry: WireLogEntry) -> String {
        switch entry {
        case .rxOctets(let data):
            return "RX \(data.length) octets \(OctetSummary.preview(data.prefix, length: data.length))"
        case .txOctets(let data, let sync):
            return "TX \(data.length) octets\(sync ? " (synced)" : "") \(OctetSummary.preview(data.prefix, length: data.length))"
        case let .rxFrame(payload, opcode, fin, rsv, mask):
            return "RX frame " + frame(payload, opcode, fin, rsv, mask)
        case let .txFrame(payload, opcode, fin, rsv, mask, repeatLength, chop, sync):
            var text = "TX frame " + frame(payload, opcode, fin, rsv, mask)
            if let repeatLength { text += " repeated-to=\(repeatLength)" }
            if let chop { text += " chop=\(chop)" }
            if sync { text += " sync" }
            return text
        case .delay(let seconds, let tag): return "pause \(seconds) s" + (tag.map { " tag \($0)" } ?? "")
        case .delayFired(let tag): return "pause ended" + (tag.map { " tag \($0)" } ?? "")
        case .killAfter(let seconds): return "kill-after \(seconds) s"
        case .killFired: return "kill-after fired"
        case .closeAfter(let seconds): return "close-after \(seconds) s"
        case .closeFired: return "close-after fired"
        case .wirelog(let enabled): return "wire log \(enabled ? "on" : "off")"
        }
    }

    static func frame(_ payload: BytePreview, _ opcode: Int, _ fin: Bool, _ rsv: Int, _ mask: [UInt8]?) -> String {
        let name = opcodeNames[opcode] ?? "opcode-\(opcode)"
        let maskText = mask.map { "mask=" + $0.map { String(format: "%02x", $0) }.joined() } ?? "unmasked"
        var text = "\(name) fin=\(fin ? 1 : 0) rsv=\(rsv) \(maskText) len=\(payload.length)"
        if opcode == 8 && payload.length >= 2 && payload.prefix.count >= 2 {
            let code = Int(payload.prefix[0]) << 8 | Int(payload.prefix[1])
            text += " code=\(code)"
            if payload.length > 2 {
                text += " reason=" + OctetSummary.preview(payload.prefix.dropFirst(2), length: payload.length - 2)
            }
        } else if payload.length > 0 {
            text += " " + OctetSummary.preview(payload.prefix, length: payload.length)
        }
        return text
    }
}
