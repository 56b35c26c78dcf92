import JSONCodec
import Recording

extension Explanation {
    /// The per-case JSON's `wsspecExplanation`: `rfc`, `requirement`, `sent`, `expected` (a list of `{verdict,
    /// events}`), `expectedClose`, `observed`, `observedClose` and `divergence`.
    public func json() -> JSONValue {
        var members: [String: JSONValue] = [
            "sent": .array(sent.map(JSONValue.string)),
            "expected": .array(
                expected.map { .object(["verdict": .string($0.verdict.rawValue), "events": .array($0.events.map(JSONValue.string))]) }),
            "expectedClose": .string(expectedClose),
            "observed": .array(observed.map(JSONValue.string)),
            "observedClose": .string(observedClose),
            "divergence": .string(divergence),
        ]
        if let rfc { members["rfc"] = .string(rfc) }
        if let requirement { members["requirement"] = .string(requirement) }
        return .object(members)
    }

    /// Reads `wsspecExplanation` back; nil when it is not an object with a `divergence`. A field of another type
    /// is read as empty, so that a hand-edited report still renders.
    public init?(json: JSONValue) {
        guard json.objectValue != nil, let divergence = json["divergence"]?.stringValue else { return nil }
        func strings(_ key: String) -> [String] {
            guard case .array(let items)? = json[key] else { return [] }
            return items.compactMap(\.stringValue)
        }
        var alternatives: [Alternative] = []
        if case .array(let items)? = json["expected"] {
            for item in items {
                guard let verdict = item["verdict"]?.stringValue.flatMap(Behavior.init(rawValue:)) else { continue }
                var events: [String] = []
                if case .array(let list)? = item["events"] { events = list.compactMap(\.stringValue) }
                alternatives.append(Alternative(verdict: verdict, events: events))
            }
        }
        self.init(
            rfc: json["rfc"]?.stringValue, requirement: json["requirement"]?.stringValue, sent: strings("sent"),
            expected: alternatives, expectedClose: json["expectedClose"]?.stringValue ?? "", observed: strings("observed"),
            observedClose: json["observedClose"]?.stringValue ?? "", divergence: divergence)
    }
}
