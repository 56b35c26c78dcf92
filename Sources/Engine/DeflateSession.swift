import NIOCore
import WebSocketWire

/// permessage-deflate on one connection: the parameters agreed on and the codec they call for (catalogue §4). The
/// client compresses with the client's window and inflates with the server's; the server the other way round.
struct DeflateSession {
    let parameters: DeflateParameters
    let deflater: MessageDeflater
    let inflater: MessageInflater
    /// The data message being received started with RSV1.
    var receivingCompressed = false

    /// Octets one incoming message may inflate to.
    static let maxMessageSize = 64 << 20

    init(parameters: DeflateParameters, role: Role = .client) {
        self.parameters = parameters
        let own = role == .client
        deflater = MessageDeflater(
            windowBits: own ? parameters.clientWindowBits : parameters.serverWindowBits,
            noContextTakeover: own ? parameters.clientNoContextTakeover : parameters.serverNoContextTakeover)
        inflater = MessageInflater(
            windowBits: own ? parameters.serverWindowBits : parameters.clientWindowBits,
            noContextTakeover: own ? parameters.serverNoContextTakeover : parameters.clientNoContextTakeover,
            maxMessageSize: Self.maxMessageSize)
        ownNoContextTakeover = own ? parameters.clientNoContextTakeover : parameters.serverNoContextTakeover
    }

    /// Whether what wsspec sends is compressed without context takeover, so a message's compressed form depends
    /// only on its octets and the window (and can be cached).
    let ownNoContextTakeover: Bool

    /// A data message starts; it is compressed when its first frame has RSV1.
    mutating func beginMessage(rsv: UInt8) {
        receivingCompressed = rsv & 4 != 0
        if receivingCompressed { inflater.beginMessage() }
    }

    /// What a piece of a compressed message inflates to.
    func inflate(_ chunk: ByteBuffer) throws -> [UInt8] {
        var plain: [UInt8] = []
        try chunk.withUnsafeReadableBytes { try inflater.inflate($0, into: &plain) }
        return plain
    }

    /// The compressed message's last frame arrived: what the removed `00 00 ff ff` still releases.
    mutating func endMessage() throws -> [UInt8] {
        receivingCompressed = false
        var tail: [UInt8] = []
        try inflater.endMessage(into: &tail)
        return tail
    }
}
