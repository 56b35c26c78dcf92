import Foundation
import Reports

/// The traffic counters of the reference's compression cases (catalogue §1.7): octets on the wire, as WebSocket
/// payload (compressed) and as application data (uncompressed), frames and messages, each way, counted while the
/// connection is open; plus the handshake octets before it opened.
public struct TrafficStats: Sendable, Equatable {
    public var outgoingOctetsWireLevel = 0
    public var outgoingOctetsWebSocketLevel = 0
    public var outgoingOctetsAppLevel = 0
    public var outgoingWebSocketFrames = 0
    public var outgoingWebSocketMessages = 0
    public var incomingOctetsWireLevel = 0
    public var incomingOctetsWebSocketLevel = 0
    public var incomingOctetsAppLevel = 0
    public var incomingWebSocketFrames = 0
    public var incomingWebSocketMessages = 0
    public var preopenOutgoingOctetsWireLevel = 0
    public var preopenIncomingOctetsWireLevel = 0

    public init() {}

    /// Compressed size / uncompressed size, nil when nothing was sent.
    public var outgoingCompressionRatio: Double? { ratio(outgoingOctetsWebSocketLevel, outgoingOctetsAppLevel) }
    public var incomingCompressionRatio: Double? { ratio(incomingOctetsWebSocketLevel, incomingOctetsAppLevel) }
    /// Framing octets / payload octets.
    public var outgoingWebSocketOverhead: Double? {
        ratio(outgoingOctetsWireLevel - outgoingOctetsWebSocketLevel, outgoingOctetsWebSocketLevel)
    }
    public var incomingWebSocketOverhead: Double? {
        ratio(incomingOctetsWireLevel - incomingOctetsWebSocketLevel, incomingOctetsWebSocketLevel)
    }

    private func ratio(_ a: Int, _ b: Int) -> Double? { b > 0 ? Double(a) / Double(b) : nil }

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
