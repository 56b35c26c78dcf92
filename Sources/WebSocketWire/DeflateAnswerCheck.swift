/// Whether a server's permessage-deflate answer is one RFC 7692 allows for the offers a client made: the checks of
/// the handshake suite, stricter than the reference's client (`DeflateParameters.parseResponse`), which does not
/// compare the answer with the offer.
///
/// - §7: a server MUST decline an offer with an unknown parameter, a parameter with an invalid value, or a
///   parameter given twice; so an answer can only accept an offer that is valid.
/// - §7 (client side): an answer with an unknown parameter, an invalid value or a parameter given twice fails.
/// - §7.1.1.1: accepting an offer with `server_no_context_takeover` means answering with it.
/// - §7.1.2.1: accepting an offer with `server_max_window_bits=N` means answering with the same or a smaller value.
/// - §7.1.2.2: an answer to an offer without `client_max_window_bits` MUST NOT contain it.
public enum DeflateAnswerCheck {
    /// What the answer did.
    public enum Verdict: Sendable, Equatable {
        /// No permessage-deflate element in the answer.
        case declined
        /// The answer accepts offer `offer` (1-based, among the permessage-deflate offers, in order).
        case accepted(offer: Int)
        /// The answer is not allowed: `problem` says why.
        case invalid(problem: String)
    }

    /// Checks the answer (`responseHeader`: the response's Sec-WebSocket-Extensions, nil when absent) against the
    /// offers (`offerHeader`: the request's Sec-WebSocket-Extensions, nil when none was sent).
    public static func check(offerHeader: String?, responseHeader: String?) -> Verdict {
        let answers = ExtensionResponse.parseHeader(responseHeader ?? "").filter { $0.name == DeflateParameters.extensionName }
        guard let answer = answers.first else { return .declined }
        guard answers.count == 1 else { return .invalid(problem: "the answer names permessage-deflate \(answers.count) times") }
        if let problem = problem(in: answer, asOffer: false) { return .invalid(problem: "the answer \(problem)") }
        let offers = ExtensionResponse.parseHeader(offerHeader ?? "").filter { $0.name == DeflateParameters.extensionName }
        guard !offers.isEmpty else { return .invalid(problem: "the server answered permessage-deflate, which was not offered") }
        var reasons: [String] = []
        for (index, offer) in offers.enumerated() {
            if let problem = problem(in: offer, asOffer: true) {
                reasons.append("offer \(index + 1) \(problem), so it must be declined (RFC 7692 §7)")
            } else if let mismatch = mismatch(answer, offer) {
                reasons.append("for offer \(index + 1) \(mismatch)")
            } else {
                return .accepted(offer: index + 1)
            }
        }
        return .invalid(problem: "the answer '\(responseHeader ?? "")' accepts no offer: " + reasons.joined(separator: "; "))
    }

    /// Why an offer or an answer breaks §7's rules on its own, nil when it does not.
    static func problem(in element: ExtensionResponse, asOffer: Bool) -> String? {
        var seen: Set<String> = []
        for (name, value) in element.parameters {
            guard seen.insert(name).inserted else { return "has the parameter \(name) twice" }
            switch name {
            case "server_no_context_takeover", "client_no_context_takeover":
                if let value { return "gives \(name) a value ('\(value)'), which it takes none" }
            case "server_max_window_bits":
                guard let value else { return "has server_max_window_bits without a value" }
                guard isWindowBits(value) else { return "has server_max_window_bits=\(value), outside 8–15" }
            case "client_max_window_bits":
                // An offer may give it without a value; an answer must say the window it allows.
                guard let value else {
                    if asOffer { continue }
                    return "has client_max_window_bits without a value"
                }
                guard isWindowBits(value) else { return "has client_max_window_bits=\(value), outside 8–15" }
            default:
                return "has the unknown parameter \(name)"
            }
        }
        return nil
    }

    /// Why a (valid) answer does not accept a (valid) offer, nil when it does.
    static func mismatch(_ answer: ExtensionResponse, _ offer: ExtensionResponse) -> String? {
        func value(_ element: ExtensionResponse, _ name: String) -> String?? {
            element.parameters.first { $0.name == name }.map(\.value)
        }
        if value(offer, "server_no_context_takeover") != nil && value(answer, "server_no_context_takeover") == nil {
            return "the answer lacks server_no_context_takeover, which the offer asked for (RFC 7692 §7.1.1.1)"
        }
        if case .some(.some(let asked)) = value(offer, "server_max_window_bits"), let askedBits = Int(asked) {
            guard case .some(.some(let given)) = value(answer, "server_max_window_bits"), let givenBits = Int(given),
                givenBits <= askedBits
            else {
                return "the answer does not limit server_max_window_bits to \(askedBits) or less (RFC 7692 §7.1.2.1)"
            }
        }
        if value(answer, "client_max_window_bits") != nil && value(offer, "client_max_window_bits") == nil {
            return "the answer has client_max_window_bits, which the offer did not have (RFC 7692 §7.1.2.2)"
        }
        return nil
    }

    /// A decimal integer without leading zeroes, 8 to 15 (the ABNF of §7.1.2.1).
    static func isWindowBits(_ text: String) -> Bool {
        guard let first = text.first, first != "0", text.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(text)
        else { return false }
        return DeflateParameters.windowBitsRange.contains(n)
    }
}
