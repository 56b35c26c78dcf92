import WebSocketWire

/// Where the octets of a payload come from. Payloads are built when a case runs, not when it loads,
/// so a suite with many 16 MiB messages costs no memory until each is sent.
public indirect enum Payload: Sendable, Equatable {
    case bytes([UInt8])
    case repeated(Payload, length: Int)
    case concat([Payload])

    public static let empty = Payload.bytes([])

    public static func text(_ string: String) -> Payload { .bytes(Array(string.utf8)) }

    /// The octets.
    public func bytes() -> [UInt8] {
        switch self {
        case .bytes(let b): return b
        case .repeated(let pattern, let length): return FrameEncoder.repeated(pattern.bytes(), toLength: length)
        case .concat(let parts): return parts.flatMap { $0.bytes() }
        }
    }

    /// The number of octets, without building them.
    public var count: Int {
        switch self {
        case .bytes(let b): return b.count
        case .repeated(let pattern, let length): return pattern.count == 0 ? 0 : length
        case .concat(let parts): return parts.reduce(0) { $0 + $1.count }
        }
    }
}
