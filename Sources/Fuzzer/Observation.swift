import Reports

/// An event observed during a case, with its whole payload (for judging; reports keep previews).
public enum ObservedEvent: Sendable, Equatable {
    case message([UInt8], binary: Bool)
    case pong([UInt8])
    case timeout(String)

    var recorded: RecordedEvent {
        switch self {
        case .message(let bytes, let binary): return .message(BytePreview(bytes), binary: binary)
        case .pong(let bytes): return .pong(BytePreview(bytes))
        case .timeout(let tag): return .timeout(tag)
        }
    }
}

/// What a finished case looked like from the client's side: the input of the judge.
public struct Observation: Sendable {
    public var received: [ObservedEvent] = []
    public var closing = ClosingBehavior()
    /// The opening handshake completed and the case ran.
    public var connectionWasOpen = false
    /// Frames wsspec sent, by opcode.
    public var txFrames: [Int: Int] = [:]
    /// The verdict a case reached by itself (a message loop), which replaces the comparison of events.
    public var caseVerdict: CaseVerdict?

    public init() {}
}

/// A behaviour a case decided itself, with its explanation (the reference's 9.x, 12.x and 13.x do this).
public struct CaseVerdict: Sendable, Equatable {
    public var behavior: String
    public var result: String
    public init(behavior: String, result: String) {
        self.behavior = behavior
        self.result = result
    }
}
