import WebSocketWire

/// How the connection of a case ended, from the fuzzer's point of view (catalogue 1.6).
public struct ClosingBehavior: Sendable, Equatable {
    /// The fuzzer acts as server (always false for the fuzzing client).
    public var isServer: Bool
    /// The fuzzer sent the first Close frame.
    public var closedByMe: Bool
    /// The fuzzer failed the connection (a violation it detected, or the kill timer).
    public var failedByMe: Bool
    /// The fuzzer closed or aborted the TCP connection itself.
    public var droppedByMe: Bool
    /// A Close was both sent and received (and the server then closed TCP in time).
    public var wasClean: Bool
    /// Why the close was not clean, or nil.
    public var wasNotCleanReason: String?
    /// The wait for the server to close TCP expired.
    public var wasServerConnectionDropTimeout: Bool
    /// The opening-handshake timer expired.
    public var wasOpenHandshakeTimeout: Bool
    /// The wait for the Close reply expired.
    public var wasCloseHandshakeTimeout: Bool
    /// Code of the Close frame the fuzzer sent, or nil.
    public var localCloseCode: CloseCode?
    /// Reason of the Close frame the fuzzer sent, or nil.
    public var localCloseReason: String?
    /// Code of the Close frame received, or nil (none, or empty payload).
    public var remoteCloseCode: CloseCode?
    /// Reason of the Close frame received, or nil.
    public var remoteCloseReason: String?

    /// Creates a closing record; every flag defaults to false and every value to nil.
    public init(
        isServer: Bool = false,
        closedByMe: Bool = false,
        failedByMe: Bool = false,
        droppedByMe: Bool = false,
        wasClean: Bool = false,
        wasNotCleanReason: String? = nil,
        wasServerConnectionDropTimeout: Bool = false,
        wasOpenHandshakeTimeout: Bool = false,
        wasCloseHandshakeTimeout: Bool = false,
        localCloseCode: CloseCode? = nil,
        localCloseReason: String? = nil,
        remoteCloseCode: CloseCode? = nil,
        remoteCloseReason: String? = nil
    ) {
        self.isServer = isServer
        self.closedByMe = closedByMe
        self.failedByMe = failedByMe
        self.droppedByMe = droppedByMe
        self.wasClean = wasClean
        self.wasNotCleanReason = wasNotCleanReason
        self.wasServerConnectionDropTimeout = wasServerConnectionDropTimeout
        self.wasOpenHandshakeTimeout = wasOpenHandshakeTimeout
        self.wasCloseHandshakeTimeout = wasCloseHandshakeTimeout
        self.localCloseCode = localCloseCode
        self.localCloseReason = localCloseReason
        self.remoteCloseCode = remoteCloseCode
        self.remoteCloseReason = remoteCloseReason
    }
}
