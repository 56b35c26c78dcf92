/// One event the fuzzer observed during a case (or listed in an expectation).
public enum RecordedEvent: Sendable, Equatable {
    /// A complete data message; `binary` is false for text messages.
    case message(BytePreview, binary: Bool)
    /// A Pong frame.
    case pong(BytePreview)
    /// A Ping frame.
    case ping(BytePreview)
    /// A phase boundary recorded by the case itself (6.4.x), with its tag.
    case timeout(String?)
}
