import CaseModel
import WebSocketWire

/// The smaller neighbours of a sequence, the most shrinking first: whole runs of steps removed (halves, quarters, …,
/// single steps), then each step made simpler — no chop, no sync, a shorter payload (empty, one octet, either half),
/// FIN set, a compressed payload sent inflated, RSV clear, a reserved opcode made the plainest one (3), no Close
/// reason. (`Fuzzer.shrink` also tries the sequence without its permessage-deflate offer.)
public enum Shrinker {
    public static func candidates(_ steps: [Step]) -> [[Step]] {
        var out: [[Step]] = []
        var size = steps.count / 2
        while size >= 1 {
            var start = 0
            while start + size <= steps.count {
                var fewer = steps
                fewer.removeSubrange(start..<(start + size))
                out.append(fewer)
                start += size
            }
            size /= 2
        }
        for (i, step) in steps.enumerated() {
            for simpler in simplifications(step) {
                var copy = steps
                copy[i] = simpler
                out.append(copy)
            }
        }
        return out
    }

    static func simplifications(_ step: Step) -> [Step] {
        switch step {
        case .send(let frame):
            var out: [FrameStep] = []
            if frame.chop != nil { out.append(with(frame) { $0.chop = nil }) }
            if frame.sync { out.append(with(frame) { $0.sync = false }) }
            let bytes = frame.payload.bytes()
            let length = frame.repeatLength ?? bytes.count
            if length > 0 && frame.repeatLength == nil {
                out.append(with(frame) { $0.payload = .empty })
                if length > 1 {
                    out.append(with(frame) { $0.payload = .bytes([bytes[0]]) })
                    out.append(with(frame) { $0.payload = FuzzGenerator.compact(Array(bytes.prefix(length / 2))) })
                    out.append(with(frame) { $0.payload = FuzzGenerator.compact(Array(bytes.suffix(length - length / 2))) })
                }
            }
            if !frame.fin { out.append(with(frame) { $0.fin = true }) }
            if frame.rsv == 4, frame.repeatLength == nil, let plain = Model.inflateAlone(bytes)?.octets {
                // A compressed message sent as the octets it stands for.
                out.append(with(frame) { $0.rsv = 0; $0.payload = FuzzGenerator.compact(plain) })
            }
            if frame.rsv != 0 { out.append(with(frame) { $0.rsv = 0 }) }
            let reserved = frame.opcode.rawValue
            if (4...7).contains(reserved) || (11...15).contains(reserved) {
                // The plainest reserved opcode (kept only while the finding's class stays the same).
                out.append(with(frame) { $0.opcode = Opcode(rawValue: 3) })
            }
            return out.map { .send($0) }
        case .closeFrame(let code, let reason):
            var out: [Step] = []
            if let reason, reason.count > 0 { out.append(.closeFrame(code: code, reason: nil)) }
            if code != nil && reason == nil { out.append(.closeFrame(code: nil, reason: nil)) }
            return out
        case .close(let code, let reason):
            return reason != nil ? [.close(code: code, reason: nil)] : []
        case .pause(let seconds, let tag) where seconds > 0.01:
            return [.pause(seconds: 0.01, tag: tag)]
        default:
            return []
        }
    }

    static func with(_ frame: FrameStep, _ change: (inout FrameStep) -> Void) -> FrameStep {
        var copy = frame
        change(&copy)
        return copy
    }

    /// How big a sequence is, for reports: its steps, payload octets and chopped writes.
    public static func size(_ steps: [Step]) -> (steps: Int, octets: Int, chops: Int) {
        var octets = 0
        var chops = 0
        for step in steps {
            switch step {
            case .send(let frame):
                octets += frame.repeatLength ?? frame.payload.count
                if frame.chop != nil { chops += 1 }
            case .raw(let payload, _, _): octets += payload.count
            case .closeFrame(_, let reason): octets += reason?.count ?? 0
            default: break
            }
        }
        return (steps.count, octets, chops)
    }
}
