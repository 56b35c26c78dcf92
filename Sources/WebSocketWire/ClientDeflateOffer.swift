/// One permessage-deflate offer of a client, as a server reads it (RFC 7692 §5, §7.1), and the server's choice
/// among several under the acceptance rules of a case (what the reference's fuzzing server does in 12.x/13.x).
public struct ClientDeflateOffer: Sendable, Equatable {
    /// `client_max_window_bits` is present (with or without a value): the client can take a smaller window.
    public var acceptsClientWindowBits = false
    public var clientNoContextTakeover = false
    /// `server_max_window_bits=N`: the window the server must compress with.
    public var serverMaxWindowBits: Int?
    public var serverNoContextTakeover = false

    public init() {}

    /// Parses every permessage-deflate offer of the header, in order; other extensions are ignored. An unknown or
    /// repeated parameter, a bad value, a value on a flag or `server_max_window_bits` without one refuses the
    /// handshake (400), on every case, as the reference does.
    public static func parse(_ header: String?) -> Result<[ClientDeflateOffer], UpgradeRequest.Problem> {
        guard let header else { return .success([]) }
        var offers: [ClientDeflateOffer] = []
        let name = DeflateParameters.extensionName
        for element in ExtensionResponse.parseHeader(header) where element.name == name {
            var offer = ClientDeflateOffer()
            var seen: Set<String> = []
            for (parameter, value) in element.parameters {
                guard seen.insert(parameter).inserted else {
                    return .failure(.init(400, "multiple occurrence of extension parameter '\(parameter)' for extension '\(name)'"))
                }
                let illegal = UpgradeRequest.Problem(
                    400, "illegal extension parameter value '\(value ?? "True")' for parameter '\(parameter)' of extension '\(name)'")
                switch parameter {
                case "client_max_window_bits":
                    if let value {
                        guard let bits = DeflateParameters.pythonInt(value), DeflateParameters.windowBitsRange.contains(bits) else {
                            return .failure(illegal)
                        }
                    }
                    offer.acceptsClientWindowBits = true
                case "server_max_window_bits":
                    guard let bits = value.flatMap(DeflateParameters.pythonInt), DeflateParameters.windowBitsRange.contains(bits)
                    else { return .failure(illegal) }
                    offer.serverMaxWindowBits = bits
                case "client_no_context_takeover":
                    guard value == nil else { return .failure(illegal) }
                    offer.clientNoContextTakeover = true
                case "server_no_context_takeover":
                    guard value == nil else { return .failure(illegal) }
                    offer.serverNoContextTakeover = true
                default:
                    return .failure(.init(400, "illegal extension parameter '\(parameter)' for extension '\(name)'"))
                }
            }
            offers.append(offer)
        }
        return .success(offers)
    }

    /// The parameters agreed: for each rule in order (`requestNoContextTakeover` asks the client to reset its
    /// window per message, `requestMaxWindowBits` to use that window), the first offer that allows it. The
    /// server honours the offer's own `server_*` requests. nil when no rule finds an offer, or there are no rules.
    ///
    /// `client_no_context_takeover` is asked for whether or not the offer listed it (RFC 7692 §7.1.1.2 lets a
    /// server ask; the reference assumes every client supports it). An offer that insists on
    /// `server_max_window_bits=8` is passed over: zlib cannot write a raw stream with a 256-octet window.
    public static func accept(_ offers: [ClientDeflateOffer], rules: [DeflateOffer]) -> DeflateParameters? {
        for rule in rules {
            for offer in offers where offer.serverMaxWindowBits != 8 {
                if rule.requestMaxWindowBits != 0 && !offer.acceptsClientWindowBits { continue }
                return DeflateParameters(
                    clientMaxWindowBits: rule.requestMaxWindowBits == 0 ? nil : rule.requestMaxWindowBits,
                    clientNoContextTakeover: rule.requestNoContextTakeover,
                    serverMaxWindowBits: offer.serverMaxWindowBits,
                    serverNoContextTakeover: offer.serverNoContextTakeover)
            }
        }
        return nil
    }
}
