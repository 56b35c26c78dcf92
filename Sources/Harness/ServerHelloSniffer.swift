import Engine
import NIOCore
import Recording

/// Reads the server's first TLS handshake message (ServerHello, sent in the clear in every TLS version) from the
/// raw octets, to learn the negotiated protocol version and cipher suite — which NIOSSL does not expose.
/// A plain state machine: feed it what the server sends until `session` is set or it gives up.
struct ServerHelloSniffer {
    private var handshake: [UInt8] = []
    private var pending: [UInt8] = []
    private(set) var session: TLSSessionInfo?
    private(set) var gaveUp = false

    var isDone: Bool { session != nil || gaveUp }

    mutating func feed(_ bytes: some Collection<UInt8>) {
        guard !isDone else { return }
        pending.append(contentsOf: bytes)
        // TLS records: type (1), version (2), length (2), fragment.
        while pending.count >= 5 {
            guard pending[0] == 22 else {
                gaveUp = true  // an alert, or not TLS at all, before the ServerHello
                return
            }
            let length = Int(pending[3]) << 8 | Int(pending[4])
            guard pending.count >= 5 + length else { break }
            let fragment = pending[5..<(5 + length)]
            pending.removeFirst(5 + length)
            handshake.append(contentsOf: fragment)
            if parseServerHello() { return }
        }
        if pending.count + handshake.count > 1 << 16 { gaveUp = true }
    }

    /// True when done (found, or found not to be a ServerHello).
    private mutating func parseServerHello() -> Bool {
        guard handshake.count >= 4 else { return false }
        guard handshake[0] == 2 else {
            gaveUp = true
            return true
        }
        let length = Int(handshake[1]) << 16 | Int(handshake[2]) << 8 | Int(handshake[3])
        guard handshake.count >= 4 + length else { return false }
        let body = Array(handshake[4..<(4 + length)])
        var reader = Reader(bytes: body)
        guard let legacyVersion = reader.u16(), reader.skip(32), let sessionIDLength = reader.u8(),
            reader.skip(Int(sessionIDLength)), let cipher = reader.u16(), reader.skip(1)
        else {
            gaveUp = true
            return true
        }
        var version = legacyVersion
        if let extensionsLength = reader.u16(), var extensions = reader.take(Int(extensionsLength)).map(Reader.init) {
            while let type = extensions.u16(), let size = extensions.u16(), let data = extensions.take(Int(size)) {
                if type == 0x002B, data.count == 2 { version = UInt16(data[0]) << 8 | UInt16(data[1]) }
            }
        }
        session = TLSSessionInfo(version: Self.versionName(version), cipher: Self.cipherName(cipher))
        return true
    }

    static func versionName(_ value: UInt16) -> String {
        switch value {
        case 0x0300: return "SSLv3"
        case 0x0301: return "TLSv1.0"
        case 0x0302: return "TLSv1.1"
        case 0x0303: return "TLSv1.2"
        case 0x0304: return "TLSv1.3"
        default: return hex(value)
        }
    }

    /// IANA names of the suites BoringSSL can negotiate; others by number.
    static func cipherName(_ value: UInt16) -> String {
        let names: [UInt16: String] = [
            0x000A: "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
            0x002F: "TLS_RSA_WITH_AES_128_CBC_SHA",
            0x0035: "TLS_RSA_WITH_AES_256_CBC_SHA",
            0x008C: "TLS_PSK_WITH_AES_128_CBC_SHA",
            0x008D: "TLS_PSK_WITH_AES_256_CBC_SHA",
            0x009C: "TLS_RSA_WITH_AES_128_GCM_SHA256",
            0x009D: "TLS_RSA_WITH_AES_256_GCM_SHA384",
            0x1301: "TLS_AES_128_GCM_SHA256",
            0x1302: "TLS_AES_256_GCM_SHA384",
            0x1303: "TLS_CHACHA20_POLY1305_SHA256",
            0xC009: "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
            0xC00A: "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
            0xC013: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
            0xC014: "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
            0xC02B: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            0xC02C: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            0xC02F: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            0xC030: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            0xC035: "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA",
            0xC036: "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA",
            0xCCA8: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
            0xCCA9: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            0xCCAC: "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256",
        ]
        return names[value] ?? hex(value)
    }

    private static func hex(_ value: UInt16) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return "0x" + String(repeating: "0", count: 4 - digits.count) + digits
    }

    private struct Reader {
        var bytes: [UInt8]
        var offset = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func u8() -> UInt8? { take(1)?.first }
        mutating func u16() -> UInt16? { take(2).map { UInt16($0[0]) << 8 | UInt16($0[1]) } }
        mutating func skip(_ n: Int) -> Bool { take(n) != nil }
        mutating func take(_ n: Int) -> [UInt8]? {
            guard n >= 0, offset + n <= bytes.count else { return nil }
            defer { offset += n }
            return Array(bytes[offset..<(offset + n)])
        }
    }
}
