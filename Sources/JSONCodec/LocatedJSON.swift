/// A parsed JSON document that knows where each of its values was written, by path (`servers[0].url`; a key as
/// `path#key`), so a problem found in a value can be shown as `file:line:column`.
public struct LocatedJSON: Sendable {
    public let value: JSONValue
    private let offsets: [String: Int]
    private let bytes: [UInt8]

    init(value: JSONValue, offsets: [String: Int], bytes: [UInt8]) {
        self.value = value
        self.offsets = offsets
        self.bytes = bytes
    }

    /// 1-based line and column (in characters) of the value at `path`, else of its key, else of the nearest
    /// enclosing value.
    public func position(of path: String) -> (line: Int, column: Int) {
        if let offset = offsets[path] { return Self.lineColumn(of: offset, in: bytes) }
        var path = path
        while !path.isEmpty {
            if let cut = path.lastIndex(where: { $0 == "." || $0 == "[" }) {
                path = String(path[..<cut])
            } else {
                path = ""
            }
            if let offset = offsets[path] { return Self.lineColumn(of: offset, in: bytes) }
        }
        return (1, 1)
    }

    /// Line and column of a byte offset.
    public static func lineColumn(of offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
        var line = 1
        var lineStart = 0
        for i in 0..<min(offset, bytes.count) where bytes[i] == 0x0A {
            line += 1
            lineStart = i + 1
        }
        let column = String(decoding: bytes[lineStart..<min(offset, bytes.count)], as: UTF8.self).count + 1
        return (line, column)
    }
}
