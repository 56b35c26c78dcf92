/// A client's permessage-deflate offer (RFC 7692 §7.1), with the four knobs the reference's fuzzing client has.
public struct DeflateOffer: Sendable, Equatable, Hashable {
    /// Offer `client_no_context_takeover`: the server may ask the client to reset its window per message.
    public var acceptNoContextTakeover: Bool
    /// Offer `client_max_window_bits` (without a value): the server may limit the client's window.
    public var acceptMaxWindowBits: Bool
    /// Ask the server to reset its window per message (`server_no_context_takeover`).
    public var requestNoContextTakeover: Bool
    /// Ask the server for this window size (`server_max_window_bits=N`, 8–15); 0 asks nothing.
    public var requestMaxWindowBits: Int

    public init(
        acceptNoContextTakeover: Bool = true, acceptMaxWindowBits: Bool = true, requestNoContextTakeover: Bool = false,
        requestMaxWindowBits: Int = 0
    ) {
        self.acceptNoContextTakeover = acceptNoContextTakeover
        self.acceptMaxWindowBits = acceptMaxWindowBits
        self.requestNoContextTakeover = requestNoContextTakeover
        self.requestMaxWindowBits = requestMaxWindowBits
    }

    /// The offer as one element of Sec-WebSocket-Extensions, parameters in the reference's order.
    public var headerValue: String {
        var s = DeflateParameters.extensionName
        if acceptNoContextTakeover { s += "; client_no_context_takeover" }
        if acceptMaxWindowBits { s += "; client_max_window_bits" }
        if requestNoContextTakeover { s += "; server_no_context_takeover" }
        if requestMaxWindowBits != 0 { s += "; server_max_window_bits=\(requestMaxWindowBits)" }
        return s
    }

    /// Several offers in one header value, in order of preference.
    public static func headerValue(_ offers: [DeflateOffer]) -> String {
        offers.map(\.headerValue).joined(separator: ", ")
    }
}

/// The permessage-deflate parameters in force on a connection: what the server answered (client side) or
/// accepted (server side).
public struct DeflateParameters: Sendable, Equatable {
    public static let extensionName = "permessage-deflate"
    /// Window sizes RFC 7692 allows.
    public static let windowBitsRange = 8...15

    /// `client_max_window_bits=N`, nil when absent (the client then uses 15).
    public var clientMaxWindowBits: Int?
    public var clientNoContextTakeover: Bool
    /// `server_max_window_bits=N`, nil when absent (the server then uses 15).
    public var serverMaxWindowBits: Int?
    public var serverNoContextTakeover: Bool

    public init(
        clientMaxWindowBits: Int? = nil, clientNoContextTakeover: Bool = false, serverMaxWindowBits: Int? = nil,
        serverNoContextTakeover: Bool = false
    ) {
        self.clientMaxWindowBits = clientMaxWindowBits
        self.clientNoContextTakeover = clientNoContextTakeover
        self.serverMaxWindowBits = serverMaxWindowBits
        self.serverNoContextTakeover = serverNoContextTakeover
    }

    /// The window the client compresses with.
    public var clientWindowBits: Int { clientMaxWindowBits ?? 15 }
    /// The window the server compresses with.
    public var serverWindowBits: Int { serverMaxWindowBits ?? 15 }

    /// The parameters as a response header element.
    public var headerValue: String {
        var s = Self.extensionName
        if serverNoContextTakeover { s += "; server_no_context_takeover" }
        if let serverMaxWindowBits { s += "; server_max_window_bits=\(serverMaxWindowBits)" }
        if clientNoContextTakeover { s += "; client_no_context_takeover" }
        if let clientMaxWindowBits { s += "; client_max_window_bits=\(clientMaxWindowBits)" }
        return s
    }

    /// Reads a server's permessage-deflate response the way the reference client does (catalogue §4): the four
    /// parameters, each at most once; window sizes 8–15; the two flags without a value. Whether the response fits
    /// the offer is not checked. The error texts are the reference's.
    public static func parseResponse(_ element: ExtensionResponse) -> Result<DeflateParameters, HandshakeFailure> {
        var result = DeflateParameters()
        var seen: Set<String> = []
        let name = extensionName
        for (parameter, value) in element.parameters {
            guard seen.insert(parameter).inserted else {
                return .failure(
                    HandshakeFailure("multiple occurrence of extension parameter '\(parameter)' for extension '\(name)'"))
            }
            let illegalValue = HandshakeFailure(
                "illegal extension parameter value '\(value ?? "True")' for parameter '\(parameter)' of extension '\(name)'")
            switch parameter {
            case "client_max_window_bits", "server_max_window_bits":
                guard let bits = value.flatMap(pythonInt), windowBitsRange.contains(bits) else {
                    return .failure(illegalValue)
                }
                if parameter == "client_max_window_bits" {
                    result.clientMaxWindowBits = bits
                } else {
                    result.serverMaxWindowBits = bits
                }
            case "client_no_context_takeover", "server_no_context_takeover":
                guard value == nil else { return .failure(illegalValue) }
                if parameter == "client_no_context_takeover" {
                    result.clientNoContextTakeover = true
                } else {
                    result.serverNoContextTakeover = true
                }
            default:
                return .failure(HandshakeFailure("illegal extension parameter '\(parameter)' for extension '\(name)'"))
            }
        }
        return .success(result)
    }

    /// A server's choice among a client's offers (RFC 7692 §7.1): the first permessage-deflate offer whose
    /// parameters are all known, each at most once, with valid values, and whose requested server window this
    /// server can honour (zlib cannot write a raw stream with a 256-octet window, so an offer that insists on
    /// `server_max_window_bits=8` is declined), with the no-context-takeover parameters it names granted. nil when
    /// no offer is acceptable.
    public static func acceptOffer(_ header: String) -> DeflateParameters? {
        offers: for element in ExtensionResponse.parseHeader(header) where element.name == extensionName {
            var accepted = DeflateParameters()
            var seen: Set<String> = []
            for (parameter, value) in element.parameters {
                guard seen.insert(parameter).inserted else { continue offers }
                switch parameter {
                case "client_max_window_bits":
                    // RFC 7692 §7.1.2.1/§7.1.2.2: a decimal integer 8–15 without leading zeroes.
                    if let value {
                        guard DeflateAnswerCheck.isWindowBits(value) else { continue offers }
                    }
                case "server_max_window_bits":
                    guard let value, DeflateAnswerCheck.isWindowBits(value), let bits = Int(value), (9...15).contains(bits)
                    else { continue offers }
                    accepted.serverMaxWindowBits = bits
                case "client_no_context_takeover":
                    // The client says it can work without context takeover; RFC 7692 §7.1.1.2 lets the server
                    // then ask for it. Granted, as Python websockets grants it: each message the client sends
                    // stands alone, so the server's inflater starts afresh and holds no window between messages.
                    guard value == nil else { continue offers }
                    accepted.clientNoContextTakeover = true
                case "server_no_context_takeover":
                    guard value == nil else { continue offers }
                    accepted.serverNoContextTakeover = true
                default:
                    continue offers
                }
            }
            return accepted
        }
        return nil
    }

    /// An integer the way Python's `int()` reads a string: optional sign, decimal digits.
    static func pythonInt(_ text: String) -> Int? {
        var digits = Substring(text)
        if digits.first == "+" { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), digits.count < 10 else {
            return text.first == "-" ? Int(text) : nil
        }
        return Int(digits)
    }
}
