/// The status code of a Close frame (RFC 6455 §7.4): any 16-bit value can be on the wire, so every one is
/// representable; the named ones are those wsspec sends or checks.
public struct CloseCode: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByIntegerLiteral {
    public var rawValue: UInt16

    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }
    public init(integerLiteral value: UInt16) { self.rawValue = value }

    public static let normalClosure = CloseCode(1000)
    public static let goingAway = CloseCode(1001)
    public static let protocolError = CloseCode(1002)
    public static let unacceptableData = CloseCode(1003)
    public static let invalidPayload = CloseCode(1007)
    public static let policyViolation = CloseCode(1008)
    public static let messageTooBig = CloseCode(1009)
    public static let mandatoryExtension = CloseCode(1010)
    public static let internalError = CloseCode(1011)

    /// Codes a peer may put on the wire (§7.4.1, §7.4.2): 1000–1003, 1007–1011 and 3000–4999.
    public var isValidOnWire: Bool { Self.isValidOnWire(Int(rawValue)) }

    /// Codes an endpoint may start a normal close with: 1000 and 3000–4999.
    public var isAllowedForNormalClose: Bool { Self.isAllowedForNormalClose(Int(rawValue)) }

    public static func isValidOnWire(_ code: Int) -> Bool {
        switch code {
        case 1000...1003, 1007...1011, 3000...4999: return true
        default: return false
        }
    }

    public static func isAllowedForNormalClose(_ code: Int) -> Bool {
        code == 1000 || (3000...4999).contains(code)
    }

    public static func < (a: CloseCode, b: CloseCode) -> Bool { a.rawValue < b.rawValue }

    public var description: String { String(rawValue) }
}
