import CZlib
import NIOCore

/// Compresses whole messages for permessage-deflate (RFC 7692 §7.2.1): raw deflate, a sync flush at the end of
/// each message, and the flush's trailing `00 00 ff ff` removed.
///
/// With `noContextTakeover` every message starts from an empty window, so a message's compressed form depends only
/// on its octets and the window size (which is what lets a caller cache it). Otherwise the window carries over from
/// message to message. zlib writes into a buffer the deflater keeps from message to message; a message's payload is
/// then copied once, at its compressed size, into the array or `ByteBuffer` the caller gets.
public final class MessageDeflater: @unchecked Sendable {
    /// The window size negotiated for this direction (8–15).
    public let windowBits: Int
    public let noContextTakeover: Bool
    private let stream: UnsafeMutablePointer<z_stream>
    private var used = false
    /// Where zlib writes; grown when a message needs more, never shrunk.
    private var output: UnsafeMutableRawBufferPointer

    /// - Parameters:
    ///   - windowBits: the negotiated `*_max_window_bits` (8–15). zlib cannot write raw deflate with a 256-octet
    ///     window, so 8 compresses with 9 — the same substitution zlib itself makes for its wrapped format.
    ///   - level: zlib's compression level; the reference uses zlib's default (6).
    ///   - memLevel: zlib's memory level; the reference uses 8.
    public init(windowBits: Int = 15, noContextTakeover: Bool, level: Int32 = Z_DEFAULT_COMPRESSION, memLevel: Int32 = 8) {
        precondition((8...15).contains(windowBits), "window bits must be 8–15")
        self.windowBits = windowBits
        self.noContextTakeover = noContextTakeover
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = wsspec_deflateInit2(stream, level, -Int32(Swift.max(9, windowBits)), memLevel)
        precondition(status == Z_OK, "deflateInit2 failed (\(status)): zlib is out of memory or too old")
        output = .allocate(byteCount: 4096, alignment: 16)
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
        output.deallocate()
    }

    /// The compressed payload of one message.
    public func compress(_ message: some Collection<UInt8>) -> [UInt8] {
        if let result = message.withContiguousStorageIfAvailable({ compress(UnsafeRawBufferPointer($0)) }) {
            return result
        }
        return Array(message).withUnsafeBytes { compress($0) }
    }

    /// The compressed payload of one message.
    public func compress(_ message: UnsafeRawBufferPointer) -> [UInt8] {
        let count = deflateMessage(message)
        return Array(UnsafeRawBufferPointer(rebasing: output[..<count]))
    }

    /// Appends the compressed payload of one message to `buffer`.
    public func compress(_ message: UnsafeRawBufferPointer, appendingTo buffer: inout ByteBuffer) {
        let count = deflateMessage(message)
        buffer.writeBytes(UnsafeRawBufferPointer(rebasing: output[..<count]))
    }

    /// Compresses `message` into `output`; returns the payload's length (the trailer already left out).
    private func deflateMessage(_ message: UnsafeRawBufferPointer) -> Int {
        if used && noContextTakeover { deflateReset(stream) }
        used = true
        let bound = Int(deflateBound(stream, uLong(message.count))) + 16
        if output.count < bound { grow(to: bound) }
        var produced = 0
        stream.pointee.next_in = UnsafeMutablePointer(mutating: message.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(message.count)
        while true {
            if produced == output.count { grow(to: output.count + Swift.max(1024, output.count / 2)) }
            let room = output.count - produced
            stream.pointee.next_out = output.baseAddress!.advanced(by: produced).assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = uInt(room)
            let status = deflate(stream, Z_SYNC_FLUSH)
            produced += room - Int(stream.pointee.avail_out)
            precondition(status == Z_OK || status == Z_BUF_ERROR, "deflate failed (\(status))")
            if stream.pointee.avail_out != 0 { break }
        }
        stream.pointee.next_in = nil
        stream.pointee.next_out = nil
        if produced == 0 {
            // An empty message right after a flushed one (the window kept): zlib has nothing to flush and writes
            // nothing (Z_BUF_ERROR). RFC 7692 §7.2.3.6: an empty message's payload may be the single octet 0x00.
            output[0] = 0
            return 1
        }
        // A sync flush always ends with an empty stored block: 00 00 ff ff.
        precondition(produced >= 4 && output[produced - 4..<produced].elementsEqual([0, 0, 0xFF, 0xFF]))
        return produced - 4
    }

    /// A larger `output` that keeps what is in it.
    private func grow(to size: Int) {
        let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
        larger.copyMemory(from: UnsafeRawBufferPointer(output))
        output.deallocate()
        output = larger
    }
}
