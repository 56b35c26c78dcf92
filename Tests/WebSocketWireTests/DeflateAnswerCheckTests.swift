import Testing
import WebSocketWire

@Suite("A permessage-deflate answer against the offers (RFC 7692 §7)")
struct DeflateAnswerCheckTests {
    func check(_ offers: String?, _ answer: String?) -> DeflateAnswerCheck.Verdict {
        DeflateAnswerCheck.check(offerHeader: offers, responseHeader: answer)
    }

    func isInvalid(_ verdict: DeflateAnswerCheck.Verdict, saying text: String) -> Bool {
        if case .invalid(let problem) = verdict { return problem.contains(text) }
        return false
    }

    @Test("no permessage-deflate in the answer is a decline, whatever was offered")
    func declined() {
        #expect(check(nil, nil) == .declined)
        #expect(check("permessage-deflate; server_max_window_bits=7", "x-other") == .declined)
    }

    @Test("an answer that fits a valid offer accepts it; the first fitting offer is named")
    func accepted() {
        #expect(check("permessage-deflate", "permessage-deflate") == .accepted(offer: 1))
        #expect(check("permessage-deflate; client_max_window_bits", "permessage-deflate; client_max_window_bits=10") == .accepted(offer: 1))
        #expect(check("permessage-deflate; server_max_window_bits=10", "permessage-deflate; server_max_window_bits=9") == .accepted(offer: 1))
        #expect(check("permessage-deflate; server_max_window_bits=\"10\"", "permessage-deflate; server_max_window_bits=10") == .accepted(offer: 1))
        #expect(check("permessage-deflate; server_no_context_takeover", "permessage-deflate; server_no_context_takeover") == .accepted(offer: 1))
        // The first offer is invalid, so only the second can be accepted.
        #expect(check("permessage-deflate; server_max_window_bits=7, permessage-deflate", "permessage-deflate") == .accepted(offer: 2))
    }

    @Test("an answer to an invalid offer is invalid: the server MUST decline it", arguments: [
        "permessage-deflate; server_max_window_bits=7", "permessage-deflate; server_max_window_bits=16",
        "permessage-deflate; server_max_window_bits=abc", "permessage-deflate; server_max_window_bits=010",
        "permessage-deflate; server_max_window_bits", "permessage-deflate; client_max_window_bits=7",
        "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
        "permessage-deflate; x_unknown=1", "permessage-deflate; server_no_context_takeover=1",
    ])
    func invalidOffer(offer: String) {
        // The lax server's answer: the offer itself.
        guard case .invalid = check(offer, offer) else {
            Issue.record("answering '\(offer)' with itself must be invalid")
            return
        }
        #expect(isInvalid(check(offer, "permessage-deflate"), saying: "must be declined"))
    }

    @Test("an answer that breaks the offer's terms is invalid, naming the clause")
    func mismatch() {
        #expect(isInvalid(check("permessage-deflate", "permessage-deflate; client_max_window_bits=15"), saying: "§7.1.2.2"))
        #expect(isInvalid(check("permessage-deflate; server_max_window_bits=10", "permessage-deflate"), saying: "§7.1.2.1"))
        #expect(isInvalid(check("permessage-deflate; server_max_window_bits=10", "permessage-deflate; server_max_window_bits=11"), saying: "§7.1.2.1"))
        #expect(isInvalid(check("permessage-deflate; server_no_context_takeover", "permessage-deflate"), saying: "§7.1.1.1"))
        #expect(isInvalid(check("permessage-deflate; client_max_window_bits", "permessage-deflate; client_max_window_bits"), saying: "without a value"))
        #expect(isInvalid(check(nil, "permessage-deflate"), saying: "not offered"))
        #expect(isInvalid(check("permessage-deflate", "permessage-deflate, permessage-deflate"), saying: "2 times"))
    }
}
