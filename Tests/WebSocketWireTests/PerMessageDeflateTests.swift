import CZlib
import Testing
import WebSocketWire

/// Deterministic test text that compresses well but not trivially: words from a small vocabulary.
func sampleText(_ length: Int, seed: UInt64 = 1) -> [UInt8] {
    let words = ["permessage", "deflate", "window", "context", "takeover", "frame", "server", "echo", "{\"id\": 42}", "ü"]
    var generator = SeededRandom(seed: seed)
    var out: [UInt8] = []
    while out.count < length {
        out += Array(words[Int(generator.next() % UInt64(words.count))].utf8) + [0x20]
    }
    return Array(out.prefix(length))
}

/// Random octets (incompressible).
func noise(_ length: Int, seed: UInt64 = 7) -> [UInt8] {
    var generator = SeededRandom(seed: seed)
    return (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
}

/// Inflates a whole message with a fresh inflater of the given parameters.
func inflateWhole(_ compressed: [UInt8], inflater: MessageInflater) throws -> [UInt8] {
    var out: [UInt8] = []
    inflater.beginMessage()
    try inflater.inflate(compressed, into: &out)
    try inflater.endMessage(into: &out)
    return out
}

/// zlib's own one-shot raw deflate, as a peer built on zlib would send (ends with BFINAL, nothing removed).
func zlibRawDeflate(_ input: [UInt8], windowBits: Int32) -> [UInt8] {
    var stream = z_stream()
    #expect(deflateInit2_(&stream, 6, Z_DEFLATED, -windowBits, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK)
    defer { deflateEnd(&stream) }
    var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))) + 16)
    var input = input
    let produced = input.withUnsafeMutableBytes { inRaw in
        out.withUnsafeMutableBytes { outRaw in
            stream.next_in = inRaw.baseAddress?.assumingMemoryBound(to: Bytef.self)
            stream.avail_in = uInt(inRaw.count)
            stream.next_out = outRaw.baseAddress!.assumingMemoryBound(to: Bytef.self)
            stream.avail_out = uInt(outRaw.count)
            #expect(deflate(&stream, Z_FINISH) == Z_STREAM_END)
            return outRaw.count - Int(stream.avail_out)
        }
    }
    return Array(out.prefix(produced))
}

/// zlib's own raw inflate of one message (trailer re-appended), with the largest window.
func zlibRawInflate(_ compressed: [UInt8]) -> [UInt8] {
    var stream = z_stream()
    #expect(inflateInit2_(&stream, -15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK)
    defer { inflateEnd(&stream) }
    var input = compressed + [0, 0, 0xFF, 0xFF]
    var result: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    input.withUnsafeMutableBytes { inRaw in
        stream.next_in = inRaw.baseAddress!.assumingMemoryBound(to: Bytef.self)
        stream.avail_in = uInt(inRaw.count)
        repeat {
            let n = chunk.withUnsafeMutableBytes { outRaw in
                stream.next_out = outRaw.baseAddress!.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(outRaw.count)
                let status = inflate(&stream, Z_SYNC_FLUSH)
                #expect(status == Z_OK || status == Z_BUF_ERROR || status == Z_STREAM_END)
                return outRaw.count - Int(stream.avail_out)
            }
            result += chunk.prefix(n)
        } while stream.avail_out == 0
    }
    return result
}

@Suite("permessage-deflate codec (RFC 7692 §7.2)")
struct PerMessageDeflateCodecTests {
    static let messages = [sampleText(0), sampleText(1), sampleText(300), sampleText(70_000, seed: 3), noise(5000), sampleText(300)]

    @Test("messages round-trip with every window size and both context-takeover modes", arguments: 8...15, [false, true])
    func roundTrip(windowBits: Int, noContextTakeover: Bool) throws {
        let deflater = MessageDeflater(windowBits: windowBits, noContextTakeover: noContextTakeover)
        let inflater = MessageInflater(windowBits: windowBits, noContextTakeover: noContextTakeover)
        for message in Self.messages {
            let compressed = deflater.compress(message)
            #expect(!compressed.suffix(4).elementsEqual([0, 0, 0xFF, 0xFF]) || compressed.count < 4)
            #expect(try inflateWhole(compressed, inflater: inflater) == message)
        }
    }

    @Test("the payload fed in small pieces inflates to the same message")
    func piecewise() throws {
        let message = sampleText(100_000, seed: 9)
        let compressed = MessageDeflater(noContextTakeover: true).compress(message)
        let inflater = MessageInflater(noContextTakeover: true)
        var out: [UInt8] = []
        inflater.beginMessage()
        var i = 0
        while i < compressed.count {
            try inflater.inflate(Array(compressed[i..<min(i + 7, compressed.count)]), into: &out)
            i += 7
        }
        try inflater.endMessage(into: &out)
        #expect(out == message)
    }

    @Test("without context takeover, a message compresses the same whatever came before")
    func noContextTakeoverIsRepeatable() {
        let a = sampleText(2000, seed: 4)
        let b = sampleText(2000, seed: 5)
        let deflater = MessageDeflater(windowBits: 12, noContextTakeover: true)
        let first = deflater.compress(b)
        _ = deflater.compress(a)
        #expect(deflater.compress(b) == first)
        #expect(MessageDeflater(windowBits: 12, noContextTakeover: true).compress(b) == first)
    }

    @Test("with context takeover, a repeated message refers back to the previous one and shrinks")
    func contextTakeoverShrinks() throws {
        let message = sampleText(1000, seed: 6)
        let deflater = MessageDeflater(noContextTakeover: false)
        let first = deflater.compress(message)
        let second = deflater.compress(message)
        #expect(second.count < first.count / 4)
        let inflater = MessageInflater(noContextTakeover: false)
        #expect(try inflateWhole(first, inflater: inflater) == message)
        #expect(try inflateWhole(second, inflater: inflater) == message)
        // A reader that resets its window cannot follow the back-reference.
        let resetting = MessageInflater(noContextTakeover: true)
        _ = try inflateWhole(first, inflater: resetting)
        #expect(throws: InflateError.self) { try inflateWhole(second, inflater: resetting) }
    }

    @Test("the examples of RFC 7692 §7.2.3 inflate to \"Hello\"")
    func rfcExamples() throws {
        let hello = Array("Hello".utf8)
        #expect(try inflateWhole(bytes("f2 48 cd c9 c9 07 00"), inflater: MessageInflater(noContextTakeover: true)) == hello)
        // §7.2.3.2: the second "Hello" refers back into the first.
        let shared = MessageInflater(noContextTakeover: false)
        #expect(try inflateWhole(bytes("f2 48 cd c9 c9 07 00"), inflater: shared) == hello)
        #expect(try inflateWhole(bytes("f2 00 11 00 00"), inflater: shared) == hello)
        // §7.2.3.3: a stored block; §7.2.3.4: two blocks; §7.2.3.5 (BFINAL set).
        #expect(try inflateWhole(bytes("00 05 00 fa ff 48 65 6c 6c 6f 00"), inflater: MessageInflater(noContextTakeover: true)) == hello)
        #expect(try inflateWhole(bytes("f2 48 05 00 00 00 ff ff ca c9 c9 07 00"), inflater: MessageInflater(noContextTakeover: true)) == hello)
        let final = MessageInflater(noContextTakeover: false)
        #expect(try inflateWhole(bytes("f3 48 cd c9 c9 07 00 00"), inflater: final) == hello)
        // After a final block the next message starts a new stream.
        #expect(try inflateWhole(bytes("f2 48 cd c9 c9 07 00"), inflater: final) == hello)
        // What the deflater writes for "Hello" is the RFC's example.
        #expect(MessageDeflater(noContextTakeover: true).compress(hello) == bytes("f2 48 cd c9 c9 07 00"))
    }

    @Test("interoperates with zlib's own raw deflate and inflate", arguments: [9, 12, 15])
    func zlibInterop(windowBits: Int) throws {
        let message = sampleText(50_000, seed: 11)
        let theirs = zlibRawDeflate(message, windowBits: Int32(windowBits))
        #expect(try inflateWhole(theirs, inflater: MessageInflater(windowBits: windowBits, noContextTakeover: true)) == message)
        let ours = MessageDeflater(windowBits: windowBits, noContextTakeover: true).compress(message)
        #expect(zlibRawInflate(ours) == message)
    }

    @Test("a message that inflates past the limit is refused before it is all inflated")
    func sizeLimit() throws {
        let bomb = MessageDeflater(noContextTakeover: true).compress([UInt8](repeating: 0, count: 10 << 20))
        #expect(bomb.count < 20_000)
        let inflater = MessageInflater(noContextTakeover: true, maxMessageSize: 1 << 20)
        var out: [UInt8] = []
        inflater.beginMessage()
        do {
            try inflater.inflate(bomb, into: &out)
            try inflater.endMessage(into: &out)
            Issue.record("the bomb was inflated")
        } catch {
            #expect(error.kind == .tooLarge)
            #expect(out.count <= (1 << 20) + 65536)
        }
        // Exactly at the limit is fine.
        let exact = MessageInflater(noContextTakeover: true, maxMessageSize: 1000)
        #expect(try inflateWhole(MessageDeflater(noContextTakeover: true).compress(sampleText(1000)), inflater: exact).count == 1000)
    }

    @Test("corrupt streams are refused with zlib's reason", arguments: [
        "ff ff ff ff",  // reserved block type 3
        "00 05 00 00 00 48 65 6c 6c 6f",  // stored block whose NLEN is not the complement of LEN
        "f2 00 11 00 00",  // a back-reference with no history
    ])
    func corrupt(hex: String) {
        #expect {
            try inflateWhole(bytes(hex), inflater: MessageInflater(noContextTakeover: true))
        } throws: { error in
            (error as? InflateError)?.kind == .corrupt && (error as? InflateError)?.message.hasPrefix("invalid compressed data") == true
        }
    }
}

@Suite("permessage-deflate negotiation (RFC 7692 §7.1)")
struct DeflateNegotiationTests {
    @Test("offers are written as the reference writes them (catalogue §2.10)")
    func offers() {
        #expect(DeflateOffer().headerValue == "permessage-deflate; client_no_context_takeover; client_max_window_bits")
        #expect(DeflateOffer(requestNoContextTakeover: true, requestMaxWindowBits: 9).headerValue
            == "permessage-deflate; client_no_context_takeover; client_max_window_bits; server_no_context_takeover; server_max_window_bits=9")
        #expect(DeflateOffer.headerValue([DeflateOffer(requestNoContextTakeover: true), DeflateOffer()])
            == "permessage-deflate; client_no_context_takeover; client_max_window_bits; server_no_context_takeover, permessage-deflate; client_no_context_takeover; client_max_window_bits")
    }

    func parse(_ header: String) -> Result<DeflateParameters, HandshakeFailure> {
        DeflateParameters.parseResponse(ExtensionResponse.parseHeader(header)[0])
    }

    @Test("a server's response is read with its windows and takeover flags")
    func responses() throws {
        let p = try parse("permessage-deflate; client_no_context_takeover; server_max_window_bits=12; client_max_window_bits=\"10\"").get()
        #expect(p == DeflateParameters(clientMaxWindowBits: 10, clientNoContextTakeover: true, serverMaxWindowBits: 12))
        #expect(p.clientWindowBits == 10 && p.serverWindowBits == 12)
        let defaults = try parse("permessage-deflate").get()
        #expect(defaults.clientWindowBits == 15 && defaults.serverWindowBits == 15)
        #expect(try parse("permessage-deflate; server_no_context_takeover").get().serverNoContextTakeover)
    }

    @Test("bad responses fail the handshake with the reference's reason", arguments: [
        ("permessage-deflate; client_max_window_bits", "illegal extension parameter value 'True' for parameter 'client_max_window_bits' of extension 'permessage-deflate'"),
        ("permessage-deflate; server_max_window_bits=16", "illegal extension parameter value '16' for parameter 'server_max_window_bits' of extension 'permessage-deflate'"),
        ("permessage-deflate; server_max_window_bits=7", "illegal extension parameter value '7' for parameter 'server_max_window_bits' of extension 'permessage-deflate'"),
        ("permessage-deflate; server_max_window_bits=x", "illegal extension parameter value 'x' for parameter 'server_max_window_bits' of extension 'permessage-deflate'"),
        ("permessage-deflate; client_no_context_takeover=1", "illegal extension parameter value '1' for parameter 'client_no_context_takeover' of extension 'permessage-deflate'"),
        ("permessage-deflate; server_no_context_takeover; server_no_context_takeover", "multiple occurrence of extension parameter 'server_no_context_takeover' for extension 'permessage-deflate'"),
        ("permessage-deflate; mystery", "illegal extension parameter 'mystery' for extension 'permessage-deflate'"),
    ])
    func badResponses(header: String, reason: String) {
        #expect(parse(header) == .failure(HandshakeFailure(reason)))
    }

    @Test("every window size 8–15 is accepted in a response")
    func windows() throws {
        for bits in 8...15 {
            #expect(try parse("permessage-deflate; client_max_window_bits=\(bits)").get().clientMaxWindowBits == bits)
        }
    }

    @Test("a server accepts the first acceptable offer and mirrors what it was asked")
    func serverAccepts() {
        #expect(DeflateParameters.acceptOffer(DeflateOffer(requestNoContextTakeover: true, requestMaxWindowBits: 9).headerValue)
            == DeflateParameters(clientNoContextTakeover: true, serverMaxWindowBits: 9, serverNoContextTakeover: true))
        #expect(DeflateParameters.acceptOffer(DeflateOffer(acceptNoContextTakeover: false).headerValue) == DeflateParameters())
        #expect(DeflateParameters.acceptOffer("x-webkit-deflate-frame, permessage-deflate; bogus, permessage-deflate; server_max_window_bits=8, permessage-deflate")
            == DeflateParameters())
        #expect(DeflateParameters.acceptOffer("permessage-deflate; server_max_window_bits") == nil)
        #expect(DeflateParameters(serverMaxWindowBits: 9, serverNoContextTakeover: true).headerValue
            == "permessage-deflate; server_no_context_takeover; server_max_window_bits=9")
    }
}
