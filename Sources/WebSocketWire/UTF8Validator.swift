/// Incremental, fail-fast UTF-8 validation (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF).
///
/// Feed a message in pieces; the validator says at which octet of the whole sequence it became invalid.
/// Pure ASCII runs are checked eight bytes at a time.
public struct UTF8Validator: Sendable {
    public enum Result: Sendable, Equatable {
        /// Everything so far is valid; `atBoundary` tells whether it ends on a complete code point.
        case valid(atBoundary: Bool)
        /// The octet at `index` (counted from the start of the sequence) made it invalid.
        case invalid(index: Int)
    }

    private var remaining = 0  // continuation octets still needed
    private var low: UInt8 = 0x80
    private var high: UInt8 = 0xBF
    private var consumed = 0
    private var failedAt: Int?

    public init() {}

    /// Octets validated so far.
    public var count: Int { consumed }
    /// True when the sequence so far is valid and ends on a code-point boundary.
    public var isComplete: Bool { failedAt == nil && remaining == 0 }
    /// Where the sequence became invalid, if it did.
    public var failureIndex: Int? { failedAt }

    public mutating func reset() { self = UTF8Validator() }

    /// Validates the next piece of the sequence. Once invalid, it stays invalid.
    @discardableResult
    public mutating func validate(_ bytes: UnsafeRawBufferPointer) -> Result {
        if let failedAt { return .invalid(index: failedAt) }
        let n = bytes.count
        guard n > 0, let base = bytes.baseAddress else { return .valid(atBoundary: remaining == 0) }
        var i = 0
        while i < n {
            if remaining == 0 {
                // ASCII fast path, a word at a time.
                while i + 8 <= n && (base.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080) == 0 {
                    i += 8
                }
                if i >= n { break }
                let b = base.load(fromByteOffset: i, as: UInt8.self)
                if b < 0x80 {
                    i += 1
                    continue
                }
                switch b {
                case 0xC2...0xDF: remaining = 1; low = 0x80; high = 0xBF
                case 0xE0: remaining = 2; low = 0xA0; high = 0xBF
                case 0xE1...0xEC, 0xEE...0xEF: remaining = 2; low = 0x80; high = 0xBF
                case 0xED: remaining = 2; low = 0x80; high = 0x9F
                case 0xF0: remaining = 3; low = 0x90; high = 0xBF
                case 0xF1...0xF3: remaining = 3; low = 0x80; high = 0xBF
                case 0xF4: remaining = 3; low = 0x80; high = 0x8F
                default:
                    return fail(at: i)
                }
            } else {
                let b = base.load(fromByteOffset: i, as: UInt8.self)
                guard b >= low && b <= high else { return fail(at: i) }
                remaining -= 1
                low = 0x80
                high = 0xBF
            }
            i += 1
        }
        consumed += n
        return .valid(atBoundary: remaining == 0)
    }

    @discardableResult
    public mutating func validate(_ bytes: some Sequence<UInt8>) -> Result {
        if let result = bytes.withContiguousStorageIfAvailable({ validate(UnsafeRawBufferPointer($0)) }) {
            return result
        }
        let array = Array(bytes)
        return array.withUnsafeBytes { validate($0) }
    }

    private mutating func fail(at offset: Int) -> Result {
        let index = consumed + offset
        failedAt = index
        consumed = index
        return .invalid(index: index)
    }

    /// Validates a whole sequence at once.
    public static func isValid(_ bytes: some Sequence<UInt8>) -> Bool {
        var validator = UTF8Validator()
        return validator.validate(bytes) == .valid(atBoundary: true)
    }
}
