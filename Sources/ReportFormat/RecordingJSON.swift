import JSONCodec
import Recording

// The reference's JSON for the values of a recording (catalogue 3.2).

extension WireLogEntry {
    /// The report form of the entry: `["RO", [len, hex]]`, `["TO", [len, hex], sync]`,
    /// `["RF", [len, text], opcode, fin, rsv, masked, mask]`, `["TF", [len, text], opcode, fin, rsv, mask, repeat,
    /// chop, sync]`, `["CT", seconds, tag]`, `["CTE", tag]`, `["KL", seconds]`, `["KLE"]`, `["TI", seconds]`,
    /// `["TIE"]`, `["WLM", enabled]`. Seconds are JSON integers when integral (`1`, `10`) and doubles otherwise
    /// (`0.5`), as the reference stores the case's numbers.
    public func json() -> JSONValue {
        switch self {
        case .rxOctets(let data):
            return .array([.string("RO"), data.hexPair])
        case let .txOctets(data, sync):
            return .array([.string("TO"), data.hexPair, .bool(sync)])
        case let .rxFrame(payload, opcode, fin, rsv, mask):
            return .array([
                .string("RF"), payload.textPair, .int(opcode), .bool(fin), .int(rsv),
                .bool(mask != nil), Self.maskJSON(mask),
            ])
        case let .txFrame(payload, opcode, fin, rsv, mask, repeatLength, chopSize, sync):
            return .array([
                .string("TF"), payload.textPair, .int(opcode), .bool(fin), .int(rsv),
                Self.maskJSON(mask), repeatLength.map(JSONValue.int) ?? .null,
                chopSize.map(JSONValue.int) ?? .null, .bool(sync),
            ])
        case let .delay(seconds, tag):
            return .array([.string("CT"), Self.secondsJSON(seconds), Self.tagJSON(tag)])
        case .delayFired(let tag):
            return .array([.string("CTE"), Self.tagJSON(tag)])
        case .killAfter(let seconds):
            return .array([.string("KL"), Self.secondsJSON(seconds)])
        case .killFired:
            return .array([.string("KLE")])
        case .closeAfter(let seconds):
            return .array([.string("TI"), Self.secondsJSON(seconds)])
        case .closeFired:
            return .array([.string("TIE")])
        case .wirelog(let enabled):
            return .array([.string("WLM"), .bool(enabled)])
        }
    }

    /// A number of seconds as the reference stores it: integral values as JSON integers.
    static func secondsJSON(_ seconds: Double) -> JSONValue {
        if seconds.isFinite, seconds.rounded() == seconds, abs(seconds) < 1e15 {
            return .int(Int(seconds))
        }
        return .double(seconds)
    }

    private static func tagJSON(_ tag: String?) -> JSONValue {
        tag.map(JSONValue.string) ?? .null
    }

    private static func maskJSON(_ mask: [UInt8]?) -> JSONValue {
        guard let mask else { return .null }
        return .string(mask.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 0x10 ? "0" + hex : hex
        }.joined())
    }
}

extension WireStatistics {
    /// A count map as a JSON object with decimal-string keys (serialized in numeric order).
    static func json(_ counts: [Int: Int]) -> JSONValue {
        .object(Dictionary(uniqueKeysWithValues: counts.map { (String($0.key), JSONValue.int($0.value)) }))
    }
}

extension RecordedEvent {
    /// The report form: `["message", text, isBinary]`, `["pong", text]`, `["ping", text]` or
    /// `["timeout", tag]`, payloads rendered with `BytePreview.textPreview`.
    public func json() -> JSONValue {
        switch self {
        case let .message(payload, binary):
            return .array([.string("message"), payload.textPreview, .bool(binary)])
        case .pong(let payload):
            return .array([.string("pong"), payload.textPreview])
        case .ping(let payload):
            return .array([.string("ping"), payload.textPreview])
        case .timeout(let tag):
            return .array([.string("timeout"), tag.map(JSONValue.string) ?? .null])
        }
    }
}

extension ExpectedClose {
    /// `{"closeCode": [...], "closedByMe": …, "requireClean": …}`, plus
    /// `"closedByWrongEndpointIsFatal": true` only when that flag is set.
    public func json() -> JSONValue {
        var members: [String: JSONValue] = [
            "closeCode": .array(closeCodes.map { .int(Int($0.rawValue)) }),
            "closedByMe": .bool(closedByMe),
            "requireClean": .bool(requireClean),
        ]
        if closedByWrongEndpointIsFatal {
            members["closedByWrongEndpointIsFatal"] = .bool(true)
        }
        return .object(members)
    }
}

extension TLSSessionInfo {
    public func json() -> JSONValue {
        .object(["version": .string(version), "cipher": .string(cipher)])
    }
}

extension ClosingBehavior {
    /// The 13 report keys of this record, by their reference names.
    public func jsonMembers() -> [String: JSONValue] {
        [
            "isServer": .bool(isServer),
            "closedByMe": .bool(closedByMe),
            "failedByMe": .bool(failedByMe),
            "droppedByMe": .bool(droppedByMe),
            "wasClean": .bool(wasClean),
            "wasNotCleanReason": Self.optional(wasNotCleanReason),
            "wasServerConnectionDropTimeout": .bool(wasServerConnectionDropTimeout),
            "wasOpenHandshakeTimeout": .bool(wasOpenHandshakeTimeout),
            "wasCloseHandshakeTimeout": .bool(wasCloseHandshakeTimeout),
            "localCloseCode": localCloseCode.map { .int(Int($0.rawValue)) } ?? .null,
            "localCloseReason": Self.optional(localCloseReason),
            "remoteCloseCode": remoteCloseCode.map { .int(Int($0.rawValue)) } ?? .null,
            "remoteCloseReason": Self.optional(remoteCloseReason),
        ]
    }

    private static func optional(_ text: String?) -> JSONValue {
        text.map(JSONValue.string) ?? .null
    }
}

extension TrafficStats {
    /// The report's `trafficStats` object: sixteen keys, named as the reference names them.
    public func json() -> JSONValue {
        let number: (Double?) -> JSONValue = { $0.map(JSONValue.double) ?? .null }
        return .object([
            "outgoingOctetsWireLevel": .int(outgoingOctetsWireLevel),
            "outgoingOctetsWebSocketLevel": .int(outgoingOctetsWebSocketLevel),
            "outgoingOctetsAppLevel": .int(outgoingOctetsAppLevel),
            "outgoingCompressionRatio": number(outgoingCompressionRatio),
            "outgoingWebSocketOverhead": number(outgoingWebSocketOverhead),
            "outgoingWebSocketFrames": .int(outgoingWebSocketFrames),
            "outgoingWebSocketMessages": .int(outgoingWebSocketMessages),
            "preopenOutgoingOctetsWireLevel": .int(preopenOutgoingOctetsWireLevel),
            "incomingOctetsWireLevel": .int(incomingOctetsWireLevel),
            "incomingOctetsWebSocketLevel": .int(incomingOctetsWebSocketLevel),
            "incomingOctetsAppLevel": .int(incomingOctetsAppLevel),
            "incomingCompressionRatio": number(incomingCompressionRatio),
            "incomingWebSocketOverhead": number(incomingWebSocketOverhead),
            "incomingWebSocketFrames": .int(incomingWebSocketFrames),
            "incomingWebSocketMessages": .int(incomingWebSocketMessages),
            "preopenIncomingOctetsWireLevel": .int(preopenIncomingOctetsWireLevel),
        ])
    }
}
