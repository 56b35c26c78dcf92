/// How much of what a server sends wsspec is willing to hold, so a hostile server cannot make it run out of
/// memory.
public struct ReceiveLimits: Sendable, Equatable {
    /// The largest message (the sum of its frames' declared lengths) or single frame wsspec accepts. A frame
    /// that takes a message beyond it fails the connection with 1009 the moment its header arrives, before any
    /// of its payload is stored. The default leaves room for the suite's largest messages (16 MiB).
    public var maxMessageSize: UInt64 = 64 * 1024 * 1024
    /// Octet and frame entries kept in one case's wire log; beyond it the log is switched off (a `WLM` entry
    /// says so) while the statistics go on. The suite's chattiest logged cases stay far below it.
    public var maxWireLogEntries = 10_000

    public init() {}

    /// The reason of the Close wsspec fails the connection with when a message exceeds the limit.
    func exceededReason() -> String {
        "message exceeds wsspec's receive limit of \(maxMessageSize) octets (--max-message-size)"
    }
}
