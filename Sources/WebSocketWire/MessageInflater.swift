import CZlib
import NIOCore

/// Why a compressed message could not be inflated.
public struct InflateError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The octets are not a valid raw deflate stream (or reach back further than the window).
        case corrupt
        /// The message inflates to more than the limit: refused before the memory is spent.
        case tooLarge
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

/// Inflates permessage-deflate messages (RFC 7692 §7.2.2) piece by piece, as their frames arrive.
///
/// Call `beginMessage()` at a compressed message's first frame, `inflate(_:into:)` with each piece of payload, and
/// `endMessage(into:)` after its last frame (which feeds the `00 00 ff ff` the sender removed). Without context
/// takeover the window starts empty for each message. A message that inflates to more than `maxMessageSize` octets
/// throws as soon as it passes the limit, so a small "bomb" cannot exhaust memory.
public final class MessageInflater: @unchecked Sendable {
    public let windowBits: Int
    public let noContextTakeover: Bool
    public let maxMessageSize: Int
    private let stream: UnsafeMutablePointer<z_stream>
    private var scratch: [UInt8]
    private var used = false
    private var produced = 0
    /// A block with BFINAL set ended the deflate stream inside this message; the rest of its input is ignored.
    private var streamEnded = false

    static let trailer: [UInt8] = [0x00, 0x00, 0xFF, 0xFF]

    /// - Parameter windowBits: the negotiated window size of the sender (8–15). Windows of 8 are read with 9, since
    ///   zlib writes 9 whenever 8 is asked for; a larger window never hurts the reader.
    public init(windowBits: Int = 15, noContextTakeover: Bool, maxMessageSize: Int = 64 << 20) {
        precondition((8...15).contains(windowBits), "window bits must be 8–15")
        self.windowBits = windowBits
        self.noContextTakeover = noContextTakeover
        self.maxMessageSize = maxMessageSize
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = wsspec_inflateInit2(stream, -Int32(Swift.max(9, windowBits)))
        precondition(status == Z_OK, "inflateInit2 failed (\(status)): zlib is out of memory or too old")
        scratch = [UInt8](repeating: 0, count: 64 * 1024)
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    /// A compressed message starts.
    public func beginMessage() {
        if used && (noContextTakeover || streamEnded) { inflateReset(stream) }
        used = true
        produced = 0
        streamEnded = false
    }

    /// Inflates one piece of the message's payload, appending the octets to `out`.
    public func inflate(_ chunk: UnsafeRawBufferPointer, into out: inout [UInt8]) throws(InflateError) {
        guard !streamEnded, chunk.count > 0 else { return }
        stream.pointee.next_in = UnsafeMutablePointer(mutating: chunk.baseAddress!.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(chunk.count)
        defer {
            stream.pointee.next_in = nil
            stream.pointee.avail_in = 0
        }
        try run(into: &out)
    }

    public func inflate(_ chunk: [UInt8], into out: inout [UInt8]) throws(InflateError) {
        try Self.withBytes(chunk) { raw throws(InflateError) in try inflate(raw, into: &out) }
    }

    /// `body` over `bytes`' storage, keeping the typed error that `withUnsafeBytes` would widen.
    private static func withBytes(
        _ bytes: [UInt8], _ body: (UnsafeRawBufferPointer) throws(InflateError) -> Void
    ) throws(InflateError) {
        let failure: InflateError? = bytes.withUnsafeBytes { raw in
            do throws(InflateError) {
                try body(raw)
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
    }

    /// Inflates one piece of the message's payload straight into `out`'s writable space, after its readable bytes
    /// (no copy through a scratch buffer).
    public func inflate(_ chunk: UnsafeRawBufferPointer, into out: inout ByteBuffer) throws(InflateError) {
        guard !streamEnded, chunk.count > 0 else { return }
        stream.pointee.next_in = UnsafeMutablePointer(mutating: chunk.baseAddress!.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(chunk.count)
        defer {
            stream.pointee.next_in = nil
            stream.pointee.avail_in = 0
        }
        while true {
            var status: Int32 = Z_OK
            var room = 0
            let count = out.writeWithUnsafeMutableBytes(minimumWritableBytes: Self.step) { raw in
                room = raw.count
                status = step(into: raw)
                return room - Int(stream.pointee.avail_out)
            }
            if try finished(status, produced: count, roomLeft: room - count) { return }
        }
    }

    /// The message's last frame has arrived: feeds the removed sync-flush trailer.
    public func endMessage(into out: inout [UInt8]) throws(InflateError) {
        try inflate(Self.trailer, into: &out)
    }

    /// The message's last frame has arrived: feeds the removed sync-flush trailer into `out`.
    public func endMessage(into out: inout ByteBuffer) throws(InflateError) {
        try Self.withBytes(Self.trailer) { raw throws(InflateError) in try inflate(raw, into: &out) }
    }

    /// How much room each inflate call gets.
    private static let step = 64 * 1024

    private func run(into out: inout [UInt8]) throws(InflateError) {
        while true {
            let room = scratch.count
            let status: Int32 = scratch.withUnsafeMutableBytes { step(into: $0) }
            let count = room - Int(stream.pointee.avail_out)
            if count > 0 { out.append(contentsOf: scratch[0..<count]) }
            if try finished(status, produced: count, roomLeft: room - count) { return }
        }
    }

    /// One call of zlib's inflate into `buffer`.
    private func step(into buffer: UnsafeMutableRawBufferPointer) -> Int32 {
        stream.pointee.next_out = buffer.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = uInt(buffer.count)
        let status = CZlib.inflate(stream, Z_SYNC_FLUSH)
        stream.pointee.next_out = nil
        return status
    }

    /// Counts what a step produced against the limit; whether the input is used up (or the stream ended).
    private func finished(_ status: Int32, produced count: Int, roomLeft: Int) throws(InflateError) -> Bool {
        produced += count
        if produced > maxMessageSize {
            throw InflateError(.tooLarge, "compressed message inflates to more than \(maxMessageSize) octets")
        }
        switch status {
        case Z_OK:
            return roomLeft != 0 && stream.pointee.avail_in == 0
        case Z_BUF_ERROR:
            return true  // no progress possible: all input consumed
        case Z_STREAM_END:
            streamEnded = true
            return true
        case Z_NEED_DICT:
            throw InflateError(.corrupt, "invalid compressed data: the stream asks for a preset dictionary")
        default:
            let detail = stream.pointee.msg.map { String(cString: $0) } ?? "zlib error \(status)"
            throw InflateError(.corrupt, "invalid compressed data: \(detail)")
        }
    }
}
