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

    /// The report form: `["message", text, isBinary]`, `["pong", text]`, `["ping", text]` or
    /// `["timeout", tag]`, payloads rendered with `BytePreview.textPreview`.
    public func json() -> JSONValue {
        switch self {
        case let .message(payload, binary):
            return .array([.string("message"), payload.textPreview, .bool(binary)])
        case .pong(let payload):
            return .array([.string("pong"), payload.textPreview])
        case .ping(let payload):
            return .array([.string("ping"), payload.textPreview])
        case .timeout(let tag):
            return .array([.string("timeout"), tag.map(JSONValue.string) ?? .null])
        }
    }
}
