/// An event observed during a case, with its whole payload (for judging; reports keep previews).
public enum ObservedEvent: Sendable, Equatable {
    case message([UInt8], binary: Bool)
    case pong([UInt8])
    /// A phase boundary the case records itself (6.4.x), with its tag.
    case timeout(String)

    /// The event as reports keep it.
    public var preview: RecordedEvent {
        switch self {
        case .message(let bytes, let binary): return .message(BytePreview(bytes), binary: binary)
        case .pong(let bytes): return .pong(BytePreview(bytes))
        case .timeout(let tag): return .timeout(tag)
        }
    }
}
