import WebSocketWire

/// How a case expects the connection to be closed (the report's `expectedClose`).
public struct ExpectedClose: Sendable, Equatable {
    /// Whether the fuzzer is expected to send the first Close frame.
    public var closedByMe: Bool
    /// Close codes accepted from the server (an absent code always passes).
    public var closeCodes: [CloseCode]
    /// Whether an unclean close makes the close verdict `UNCLEAN`.
    public var requireClean: Bool
    /// Whether a close by the wrong endpoint also fails the main verdict (invalid-UTF-8 cases).
    public var closedByWrongEndpointIsFatal: Bool

    /// Creates a close expectation.
    public init(
        closedByMe: Bool,
        closeCodes: [CloseCode],
        requireClean: Bool,
        closedByWrongEndpointIsFatal: Bool = false
    ) {
        self.closedByMe = closedByMe
        self.closeCodes = closeCodes
        self.requireClean = requireClean
        self.closedByWrongEndpointIsFatal = closedByWrongEndpointIsFatal
    }
}
