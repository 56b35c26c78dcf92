import Foundation
import CaseModel
import WebSocketWire

/// The opening handshake of one case, for either role: a state machine fed the octets that arrive before the
/// connection is open. The client wrote `request` and validates the answer as the reference's client does; the
/// server validates the peer's request and answers it.
struct OpeningHandshake {
    enum Outcome {
        /// The header block is not complete yet.
        case incomplete
        /// The handshake failed; `reply` (server role) is written before the connection is dropped.
        case failed(reason: String, reply: String?)
        /// The connection is open: `rest` arrived after the header block; `reply` (server role) is written first.
        case opened(rest: ArraySlice<UInt8>, deflate: DeflateParameters?, reply: String?)
        /// A handshake case's request was answered with a status other than 101 (judged later, not here).
        case refused
    }

    /// Longest header block accepted, complete or not.
    static let maxHeaderBlock = 64 * 1024

    let role: Role
    /// The client's request: written by wsspec in the client role, read from the peer in the server role.
    private(set) var requestText: String
    /// The server's answer: read from the peer in the client role, written by wsspec in the server role.
    private(set) var responseText: String?
    /// The peer's `Server` (client role) or `User-Agent` (server role) header.
    private(set) var peerSoftware: String?

    let request: HandshakeRequest?
    /// A handshake case's request, written as it is; its answer is recorded, not validated.
    let rawRequest: [UInt8]?
    private let deflateOffers: [DeflateOffer]
    /// The subprotocols an extended CONNECT offered (the HTTP/1.1 client keeps them in `request`).
    private var offeredProtocols: [String] = []
    private var buffer: [UInt8] = []
    /// How much of `buffer` has been searched for the end of the header block.
    private var searched = 0

    /// The client role: `request` is what wsspec sends.
    init(client request: HandshakeRequest, deflateOffers: [DeflateOffer]) {
        role = .client
        self.request = request
        self.deflateOffers = deflateOffers
        requestText = request.encoded()
        rawRequest = nil
    }

    /// The client role of a handshake case: `octets` are written as they are; `shown` is the part the report shows
    /// as the request (the octets after it are frames, in the wire log).
    init(raw octets: [UInt8], shown: Int) {
        role = .client
        request = nil
        deflateOffers = []
        rawRequest = octets
        requestText = String(decoding: octets.prefix(shown), as: UTF8.self)
    }

    /// The server role: the peer's request is read and answered.
    init(server deflateOffers: [DeflateOffer]) {
        role = .server
        request = nil
        self.deflateOffers = deflateOffers
        requestText = ""
        rawRequest = nil
    }

    /// The octets the client role writes first.
    var requestOctets: [UInt8] { rawRequest ?? Array(requestText.utf8) }

    mutating func received(_ bytes: some Collection<UInt8>) -> Outcome {
        buffer.append(contentsOf: bytes)
        let found = HandshakeResponse.endOfHeaderBlock(in: buffer, from: searched)
        searched = buffer.count
        // Refused beyond the limit whether or not the block is complete, so the verdict does not depend on how
        // the octets happened to be split into reads.
        guard let end = found, end <= Self.maxHeaderBlock else {
            guard buffer.count > Self.maxHeaderBlock else { return .incomplete }
            let kept = String(decoding: buffer.prefix(Self.maxHeaderBlock), as: UTF8.self)
            let reason = "handshake \(role == .client ? "response" : "request") header block longer than \(Self.maxHeaderBlock) octets"
            if role == .client {
                responseText = kept
                return .failed(reason: reason, reply: nil)
            }
            requestText = kept
            return .failed(reason: reason, reply: Self.rejection(431, "Request Header Fields Too Large"))
        }
        let block = Array(buffer[..<end])
        let rest = buffer[end...]
        buffer = []
        return role == .client ? answered(block, rest: rest) : requested(block, rest: rest)
    }

    // MARK: - Client role

    private mutating func answered(_ block: [UInt8], rest: ArraySlice<UInt8>) -> Outcome {
        responseText = String(decoding: block, as: UTF8.self)
        let response = HandshakeResponse(headerBlock: block)
        peerSoftware = response["server"]
        if rawRequest != nil { return rawAnswered(response, rest: rest) }
        guard let request else { return .failed(reason: "no request was sent", reply: nil) }
        var negotiated: DeflateParameters?
        let failure: HandshakeFailure?
        if deflateOffers.isEmpty {
            failure = response.validate(key: request.key, offeredProtocols: request.protocols)
        } else {
            failure = response.validate(key: request.key, offeredProtocols: request.protocols) { element in
                Self.acceptDeflateResponse(element, negotiated: &negotiated)
            }
        }
        if let failure { return .failed(reason: failure.reason, reply: nil) }
        return .opened(rest: rest, deflate: negotiated, reply: nil)
    }

    /// A handshake case goes on after a 101 whatever its headers say (the judge reads them); permessage-deflate is
    /// in force when the answer accepts a valid offer, so frames after it can be read.
    private func rawAnswered(_ response: HandshakeResponse, rest: ArraySlice<UInt8>) -> Outcome {
        let status = response.statusLine.split(separator: " ", omittingEmptySubsequences: true)
        guard status.count >= 2, status[0].hasPrefix("HTTP/"), status[1] == "101" else { return .refused }
        let sent = HandshakeResponse(headerBlock: Array(requestText.utf8))
        var negotiated: DeflateParameters?
        if case .accepted = DeflateAnswerCheck.check(
            offerHeader: sent["sec-websocket-extensions"], responseHeader: response["sec-websocket-extensions"]),
            let element = ExtensionResponse.parseHeader(response["sec-websocket-extensions"] ?? "")
                .first(where: { $0.name == DeflateParameters.extensionName }),
            case .success(let parameters) = DeflateParameters.parseResponse(element)
        {
            negotiated = parameters
        }
        return .opened(rest: rest, deflate: negotiated, reply: nil)
    }

    /// Accepts a server's permessage-deflate answer as the reference's client does in 12.x/13.x: any syntactically
    /// valid response, one only; other extensions fail the handshake.
    static func acceptDeflateResponse(_ element: ExtensionResponse, negotiated: inout DeflateParameters?) -> HandshakeFailure? {
        switch element.name {
        case DeflateParameters.extensionName:
            guard negotiated == nil else { return HandshakeFailure("multiple occurrence of a permessage-compress extension") }
            switch DeflateParameters.parseResponse(element) {
            case .success(let parameters):
                negotiated = parameters
                return nil
            case .failure(let failure):
                return failure
            }
        case "permessage-bzip2", "permessage-snappy":
            return HandshakeFailure("WebSocket permessage-compress extension response from server denied by client")
        default:
            return HandshakeFailure(
                "server wants to use extension '\(element.name)' we did not request, haven't implemented or did not enable")
        }
    }

    // MARK: - Server role

    /// What the server calls itself in its 101.
    static let serverName = "wsspec/\(WSSpecVersion.current)"

    /// RFC 6455 §4.2.1's checks in the reference's order (`UpgradeRequest.problem()`), then the client's
    /// permessage-deflate offers (RFC 7692 §5, §7.1): parsed strictly on every case, answered only when the case
    /// has acceptance rules (12.x, 13.x, from the offers its file lists). The answer is §4.2.2's 101.
    private mutating func requested(_ block: [UInt8], rest: ArraySlice<UInt8>) -> Outcome {
        requestText = String(decoding: block, as: UTF8.self)
        guard let request = UpgradeRequest(headerBlock: block) else {
            let problem = UpgradeRequest.Problem(400, "bad HTTP request line '\(HandshakeResponse(headerBlock: block).statusLine)'")
            return .failed(reason: problem.text, reply: problem.response)
        }
        peerSoftware = request["user-agent"]
        if let problem = request.problem() { return .failed(reason: problem.text, reply: problem.response) }
        let offers: [ClientDeflateOffer]
        switch ClientDeflateOffer.parse(request["sec-websocket-extensions"]) {
        case .success(let parsed): offers = parsed
        case .failure(let problem): return .failed(reason: problem.text, reply: problem.response)
        }
        let negotiated = ClientDeflateOffer.accept(offers, rules: deflateOffers)
        let reply = request.switchingProtocols(server: Self.serverName, extensions: negotiated?.headerValue)
        responseText = reply
        return .opened(rest: rest, deflate: negotiated, reply: reply)
    }

    private static func rejection(_ status: Int, _ text: String) -> String {
        "HTTP/1.1 \(status) \(text)\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    }

    // MARK: - Client role over an HTTP/2 stream (RFC 8441)

    /// The client role over an HTTP/2 stream: `fields` is the extended CONNECT the edge sends as HEADERS.
    init(extendedConnect fields: [HTTP2HeaderField], protocols: [String], deflateOffers: [DeflateOffer], raw: Bool = false) {
        role = .client
        request = nil
        rawRequest = nil
        self.deflateOffers = deflateOffers
        offeredProtocols = protocols
        requestText = ExtendedConnect.text(fields)
        rawStream = raw
    }

    /// An HTTP/2 handshake case: its request is the case's own, its answer recorded and judged later.
    private var rawStream = false

    /// The server's response HEADERS to the extended CONNECT.
    mutating func streamAnswered(_ fields: [HTTP2HeaderField]) -> Outcome {
        responseText = ExtendedConnect.text(fields)
        peerSoftware = fields.first { $0.name == "server" }?.value
        if rawStream {
            // RFC 8441 §5: a 2xx opens the WebSocket; permessage-deflate is in force when the answer accepts a
            // valid offer, as over HTTP/1.1.
            let statuses = fields.filter { $0.name == ":status" }
            guard statuses.count == 1, let status = Int(statuses[0].value), (200...299).contains(status) else { return .refused }
            let sent = HeaderFieldList(text: requestText)
            let answer = HeaderFieldList(text: responseText ?? "")
            var negotiated: DeflateParameters?
            if case .accepted = DeflateAnswerCheck.check(
                offerHeader: sent["sec-websocket-extensions"], responseHeader: answer["sec-websocket-extensions"]),
                let element = ExtensionResponse.parseHeader(answer["sec-websocket-extensions"] ?? "")
                    .first(where: { $0.name == DeflateParameters.extensionName }),
                case .success(let parameters) = DeflateParameters.parseResponse(element)
            {
                negotiated = parameters
            }
            return .opened(rest: [], deflate: negotiated, reply: nil)
        }
        var negotiated: DeflateParameters?
        let offersDeflate = !deflateOffers.isEmpty
        let failure = ExtendedConnect.validate(fields, offeredProtocols: offeredProtocols) { element in
            guard offersDeflate else {
                return HandshakeFailure(
                    "server wants to use extension '\(element.name)' we did not request, haven't implemented or did not enable")
            }
            return Self.acceptDeflateResponse(element, negotiated: &negotiated)
        }
        if let failure { return .failed(reason: failure.reason, reply: nil) }
        return .opened(rest: [], deflate: negotiated, reply: nil)
    }
}

/// A header list as `ExtendedConnect.text` writes it, read back: the comma-joined values of a name.
private struct HeaderFieldList {
    var fields: [(String, String)] = []

    init(text: String) {
        for line in text.split(whereSeparator: { $0 == "\r\n" || $0 == "\n" }) {
            guard let field = StreamRequest.field(String(line)) else { continue }
            fields.append((field.name.lowercased(), field.value))
        }
    }

    subscript(name: String) -> String? {
        let values = fields.filter { $0.0 == name }.map(\.1)
        return values.isEmpty ? nil : values.joined(separator: ", ")
    }
}
