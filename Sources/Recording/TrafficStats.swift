


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
}
