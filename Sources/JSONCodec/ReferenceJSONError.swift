/// A problem found by `ReferenceJSON.parse`.
public struct ReferenceJSONError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Byte offset (in the UTF-8 text) where the problem was found.
    public var offset: Int
    /// What is wrong.
    public var reason: String

    /// Creates an error for `reason` at byte `offset`.
    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    public var description: String {
        "invalid JSON at byte \(offset): \(reason)"
    }
}
