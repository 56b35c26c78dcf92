import WebSocketWire

/// The server side of the opening handshake (RFC 6455 §4.2): judges a client's request header block and
/// writes the answer.
enum ServerHandshake {
    enum Outcome: Sendable, Equatable {
        /// The request is a valid upgrade; `response` is the 101 answer, `deflate` the permessage-deflate
        /// parameters it agreed to (nil: no compression).
        case accept(response: String, deflate: DeflateParameters?)
        /// The request is refused; `response` is the 400 or 426 answer, after which the connection closes.
        case reject(status: Int, response: String)
    }

    /// Judges a complete header block (request line, header lines, the empty line).
    static func evaluate(headerBlock: [UInt8], serverName: String) -> Outcome {
        let server = sanitized(serverName)
        switch parse(headerBlock) {
        case .failure(let failure):
            return .reject(status: failure.status, response: rejection(failure, server: server))
        case .success(let key):
            let deflate = extensionOffers(headerBlock).flatMap(DeflateParameters.acceptOffer)
            let response =
                "HTTP/1.1 101 Switching Protocols\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: \(HandshakeRequest.acceptValue(forKey: key))\r\n"
                + (deflate.map { "Sec-WebSocket-Extensions: \($0.headerValue)\r\n" } ?? "")
                + "Server: \(server)\r\n"
                + "\r\n"
            return .accept(response: response, deflate: deflate)
        }
    }

    /// The answer to a request whose header block grew past the limit.
    static func tooLarge(limit: Int, serverName: String) -> Outcome {
        let failure = Failure(status: 400, reason: "request header block larger than \(limit) octets")
        return .reject(status: 400, response: rejection(failure, server: sanitized(serverName)))
    }

    struct Failure: Error, Equatable {
        var status: Int
        var reason: String
    }

    /// Checks the request strictly; on success returns the Sec-WebSocket-Key.
    static func parse(_ block: [UInt8]) -> Result<String, Failure> {
        func bad(_ reason: String) -> Result<String, Failure> { .failure(Failure(status: 400, reason: reason)) }

        // Split into lines on CRLF; a bare CR or LF, or another control character, is malformed.
        var lines: [String] = []
        var line = String.UnicodeScalarView()
        var i = 0
        while i < block.count {
            let byte = block[i]
            if byte == 13 {
                guard i + 1 < block.count, block[i + 1] == 10 else { return bad("bare CR in request") }
                lines.append(String(line))
                line = String.UnicodeScalarView()
                i += 2
                continue
            }
            if byte == 10 { return bad("bare LF in request") }
            if (byte < 0x20 && byte != 9) || byte == 0x7F { return bad("control character in request") }
            line.append(Unicode.Scalar(byte))  // Latin-1: any octet maps to one scalar
            i += 1
        }
        guard line.isEmpty, lines.count >= 2, lines.last == "" else { return bad("incomplete request header block") }
        lines.removeLast()
        // RFC 7230 §3.5: a server SHOULD ignore at least one empty line before the request line.
        while lines.first == "" { lines.removeFirst() }
        guard !lines.isEmpty else { return bad("no request line") }

        // Request line: GET <target> HTTP/1.1
        let requestLine = lines.removeFirst().split(separator: " ", omittingEmptySubsequences: false)
        guard requestLine.count == 3 else { return bad("malformed request line") }
        guard requestLine[0] == "GET" else { return bad("method must be GET, not \(requestLine[0])") }
        let target = requestLine[1]
        guard target.hasPrefix("/") || target.contains("://") else { return bad("malformed request target") }
        guard requestLine[2] == "HTTP/1.1" else { return bad("HTTP version must be HTTP/1.1, not \(requestLine[2])") }

        // Header fields, by lower-cased name.
        var headers: [String: [String]] = [:]
        for field in lines {
            guard let colon = field.firstIndex(of: ":") else { return bad("header line without colon") }
            let name = field[..<colon]
            guard !name.isEmpty, name.unicodeScalars.allSatisfy(isTokenCharacter) else {
                return bad("malformed header field name")
            }
            headers[name.lowercased(), default: []].append(trimmed(field[field.index(after: colon)...]))
        }

        guard let host = headers["host"], host.count == 1, !host[0].isEmpty else {
            return bad("missing or repeated Host header")
        }
        guard let upgrade = headers["upgrade"], tokens(upgrade).contains("websocket") else {
            return bad("missing Upgrade: websocket header")
        }
        guard let connection = headers["connection"], tokens(connection).contains("upgrade") else {
            return bad("Connection header does not include upgrade")
        }
        guard let keys = headers["sec-websocket-key"], keys.count == 1, isValidKey(keys[0]) else {
            return bad("missing, repeated or malformed Sec-WebSocket-Key header")
        }
        // RFC 6455 §4.1's request has no body; one framed by Content-Length or Transfer-Encoding (RFC 7230 §3.3)
        // would have to be read before the first frame, so such a request is refused rather than misread.
        if headers["transfer-encoding"] != nil || (headers["content-length"] ?? []).contains(where: { $0 != "0" }) {
            return bad("a request with a body cannot be upgraded")
        }
        guard let versions = headers["sec-websocket-version"] else {
            return bad("missing Sec-WebSocket-Version header")
        }
        guard versions == ["13"] else {
            return .failure(Failure(status: 426, reason: "unsupported Sec-WebSocket-Version \(versions.joined(separator: ", "))"))
        }
        return .success(keys[0])
    }

    // MARK: - Helpers

    /// The Sec-WebSocket-Extensions values of a request (already checked by `parse`), joined with ", ".
    static func extensionOffers(_ block: [UInt8]) -> String? {
        let text = String(decoding: block, as: UTF8.self)
        let values = text.split(separator: "\r\n").compactMap { line -> String? in
            guard let colon = line.firstIndex(of: ":"),
                line[..<colon].lowercased() == "sec-websocket-extensions"
            else { return nil }
            return trimmed(line[line.index(after: colon)...])
        }
        return values.isEmpty ? nil : values.joined(separator: ", ")
    }

    private static func rejection(_ failure: Failure, server: String) -> String {
        let body = failure.reason + "\n"
        var head = failure.status == 426 ? "HTTP/1.1 426 Upgrade Required\r\n" : "HTTP/1.1 400 Bad Request\r\n"
        head += "Server: \(server)\r\n"
        if failure.status == 426 {
            head += "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
        }
        head += "Connection: close\r\n"
        head += "Content-Type: text/plain; charset=utf-8\r\n"
        head += "Content-Length: \(body.utf8.count)\r\n\r\n"
        return head + body
    }

    /// A Sec-WebSocket-Key must be the base64 form of 16 octets: 22 base64 characters and "==".
    static func isValidKey(_ key: String) -> Bool {
        let scalars = Array(key.unicodeScalars)
        guard scalars.count == 24, scalars[22] == "=", scalars[23] == "=" else { return false }
        return scalars[..<22].allSatisfy { s in
            ("A"..."Z").contains(s) || ("a"..."z").contains(s) || ("0"..."9").contains(s) || s == "+" || s == "/"
        }
    }

    /// The comma-separated, lower-cased, trimmed elements of header values.
    private static func tokens(_ values: [String]) -> [String] {
        values.flatMap { $0.split(separator: ",").map { trimmed($0).lowercased() } }
    }

    private static func trimmed(_ s: Substring) -> String {
        var s = s
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }

    private static func isTokenCharacter(_ s: Unicode.Scalar) -> Bool {
        switch s {
        case "A"..."Z", "a"..."z", "0"..."9": return true
        case "!", "#", "$", "%", "&", "'", "*", "+", "-", ".", "^", "_", "`", "|", "~": return true
        default: return false
        }
    }

    /// The server name without characters that would break the header line.
    private static func sanitized(_ name: String) -> String {
        String(String.UnicodeScalarView(name.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }))
    }
}
