/// A WebSocket frame opcode: any 4-bit value, so reserved opcodes can be sent and recognised.
public struct Opcode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8

    /// Creates an opcode from the low four bits of `rawValue`.
    public init(rawValue: UInt8) {
        self.rawValue = rawValue & 0x0F
    }

    public static let continuation = Opcode(rawValue: 0x0)
    public static let text = Opcode(rawValue: 0x1)
    public static let binary = Opcode(rawValue: 0x2)
    public static let close = Opcode(rawValue: 0x8)
    public static let ping = Opcode(rawValue: 0x9)
    public static let pong = Opcode(rawValue: 0xA)

    /// Control opcodes have the high bit of the nibble set (8–15).
    public var isControl: Bool { rawValue & 0x8 != 0 }

    /// Opcodes RFC 6455 reserves for future use (3–7 and 11–15).
    public var isReserved: Bool { !(rawValue <= 2 || (8...10).contains(rawValue)) }

    /// The names case files use; reserved opcodes have none.
    public static let names: [String: Opcode] = [
        "continuation": .continuation, "text": .text, "binary": .binary,
        "close": .close, "ping": .ping, "pong": .pong,
    ]

    public var description: String {
        Opcode.names.first(where: { $0.value == self })?.key ?? "opcode \(rawValue)"
    }
}
