/// How a case expects the connection to be closed (the report's `expectedClose`).
public struct ExpectedClose: Sendable, Equatable {
    /// Whether the fuzzer is expected to send the first Close frame.
    public var closedByMe: Bool
    /// Close codes accepted from the server (an absent code always passes).
    public var closeCodes: [Int]
    /// Whether an unclean close makes the close verdict `UNCLEAN`.
    public var requireClean: Bool
    /// Whether a close by the wrong endpoint also fails the main verdict (invalid-UTF-8 cases).
    public var closedByWrongEndpointIsFatal: Bool

    /// Creates a close expectation.
    public init(
        closedByMe: Bool,
        closeCodes: [Int],
        requireClean: Bool,
        closedByWrongEndpointIsFatal: Bool = false
    ) {
        self.closedByMe = closedByMe
        self.closeCodes = closeCodes
        self.requireClean = requireClean
        self.closedByWrongEndpointIsFatal = closedByWrongEndpointIsFatal
    }

    /// `{"closeCode": [...], "closedByMe": …, "requireClean": …}`, plus
    /// `"closedByWrongEndpointIsFatal": true` only when that flag is set.
    public func json() -> JSONValue {
        var members: [String: JSONValue] = [
            "closeCode": .array(closeCodes.map(JSONValue.int)),
            "closedByMe": .bool(closedByMe),
            "requireClean": .bool(requireClean),
        ]
        if closedByWrongEndpointIsFatal {
            members["closedByWrongEndpointIsFatal"] = .bool(true)
        }
        return .object(members)
    }
}
