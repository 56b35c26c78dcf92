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
    /// The verdict of the echo check, once it has one (cases with `echo`).
    public var echo: EchoOutcome?

    public init() {}
}

/// What the echo check concluded.
public struct EchoOutcome: Sendable, Equatable {
    public var behavior: String
    public var result: String

    public init(behavior: String, result: String) {
        self.behavior = behavior
        self.result = result
    }
}
