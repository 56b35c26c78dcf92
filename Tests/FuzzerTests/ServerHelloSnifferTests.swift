import Testing

@testable import Engine
@testable import Harness
import Recording

@Suite("Reading the negotiated TLS version and cipher from the ServerHello")
struct ServerHelloSnifferTests {
    /// A ServerHello record: legacy version 0x0303, the cipher, and the extensions given.
    static func serverHello(cipher: UInt16, extensions: [UInt8] = [], sessionID: [UInt8] = Array(repeating: 7, count: 32)) -> [UInt8] {
        var body: [UInt8] = [0x03, 0x03] + Array(repeating: 0xAB, count: 32)
        body += [UInt8(sessionID.count)] + sessionID
        body += [UInt8(cipher >> 8), UInt8(cipher & 0xFF), 0x00]
        body += [UInt8(extensions.count >> 8), UInt8(extensions.count & 0xFF)] + extensions
        let handshake: [UInt8] = [0x02, 0x00, UInt8(body.count >> 8), UInt8(body.count & 0xFF)] + body
        return [0x16, 0x03, 0x03, UInt8(handshake.count >> 8), UInt8(handshake.count & 0xFF)] + handshake
    }

    /// supported_versions (0x002b) selecting TLS 1.3, after a key_share-like extension to skip.
    static let tls13Extensions: [UInt8] = [0x00, 0x33, 0x00, 0x02, 0x00, 0x1D, 0x00, 0x2B, 0x00, 0x02, 0x03, 0x04]

    @Test("TLS 1.3: the version comes from supported_versions, the cipher by its IANA name")
    func tls13() {
        var sniffer = ServerHelloSniffer()
        sniffer.feed(Self.serverHello(cipher: 0x1301, extensions: Self.tls13Extensions) + [0x14, 0x03, 0x03, 0x00, 0x01, 0x01])
        #expect(sniffer.session?.version == "TLSv1.3")
        #expect(sniffer.session?.cipher == "TLS_AES_128_GCM_SHA256")
    }

    @Test("TLS 1.2 (no supported_versions), fed one octet at a time")
    func tls12Dripping() {
        var sniffer = ServerHelloSniffer()
        for octet in Self.serverHello(cipher: 0xC02F, sessionID: []) { sniffer.feed([octet]) }
        #expect(sniffer.session?.version == "TLSv1.2")
        #expect(sniffer.session?.cipher == "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")
    }

    @Test("a handshake message split across two records; an unknown suite is shown by number")
    func splitAcrossRecords() {
        let record = Self.serverHello(cipher: 0xFF01, extensions: Self.tls13Extensions)
        let handshake = Array(record[5...])
        let first = Array(handshake[..<10]), second = Array(handshake[10...])
        var sniffer = ServerHelloSniffer()
        sniffer.feed([0x16, 0x03, 0x03, 0x00, UInt8(first.count)] + first)
        #expect(sniffer.session == nil && !sniffer.isDone)
        sniffer.feed([0x16, 0x03, 0x03, UInt8(second.count >> 8), UInt8(second.count & 0xFF)] + second)
        #expect(sniffer.session?.cipher == "0xFF01")
    }

    @Test("an alert or a plain-HTTP answer instead of a ServerHello: it gives up, reporting nothing")
    func notAServerHello() {
        var alert = ServerHelloSniffer()
        alert.feed([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28])
        #expect(alert.isDone && alert.session == nil)
        var http = ServerHelloSniffer()
        http.feed(Array("HTTP/1.1 400 Bad Request\r\n\r\n".utf8))
        #expect(http.isDone && http.session == nil)
    }
}
