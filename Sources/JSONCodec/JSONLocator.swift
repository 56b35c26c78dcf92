
/// Where things are in a JSON text, by path (`servers[0].url`), so a problem in a spec file can be
/// shown as `file:line:column`. A tolerant scanner: it runs only once a problem was found, over text
/// that already parsed, and never fails.
public struct JSONLocator {
    /// 1-based line and column (in characters) of each value, by path; keys of objects as `path#key`.
    private(set) var positions: [String: (line: Int, column: Int)] = [:]
    private let bytes: [UInt8]
    private var index = 0

    public init(_ text: String) {
        bytes = Array(text.utf8)
        skipBlanks()
        value(path: "")
    }

    /// The position of the value at `path`, else of its key, else of the nearest enclosing value.
    public func position(of path: String) -> (line: Int, column: Int) {
        if let p = positions[path] { return p }
        var path = path
        while !path.isEmpty {
            if let cut = path.lastIndex(where: { $0 == "." || $0 == "[" }) {
                path = String(path[..<cut])
            } else {
                path = ""
            }
            if let p = positions[path] { return p }
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

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipBlanks() {
        while let b = current, b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D { index += 1 }
    }

    private mutating func mark(_ path: String) {
        positions[path] = Self.lineColumn(of: index, in: bytes)
    }

    private mutating func value(path: String) {
        mark(path)
        switch current {
        case UInt8(ascii: "{"):
            index += 1
            while true {
                skipBlanks()
                guard current == UInt8(ascii: "\"") else { break }
                let keyStart = index
                let key = string()
                positions[path + "#" + key] = Self.lineColumn(of: keyStart, in: bytes)
                skipBlanks()
                guard current == UInt8(ascii: ":") else { return }
                index += 1
                skipBlanks()
                value(path: path.isEmpty ? key : path + "." + key)
                skipBlanks()
                if current == UInt8(ascii: ",") { index += 1 } else { break }
            }
            if current == UInt8(ascii: "}") { index += 1 }
        case UInt8(ascii: "["):
            index += 1
            var n = 0
            while true {
                skipBlanks()
                if current == UInt8(ascii: "]") || current == nil { break }
                value(path: "\(path)[\(n)]")
                n += 1
                skipBlanks()
                if current == UInt8(ascii: ",") { index += 1 } else { break }
            }
            if current == UInt8(ascii: "]") { index += 1 }
        case UInt8(ascii: "\""):
            _ = string()
        default:
            while let b = current, ![UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D]
                .contains(b)
            {
                index += 1
            }
        }
    }

    /// A string's text (escapes resolved well enough for key names), the index left after its closing quote.
    private mutating func string() -> String {
        let text = bytes[index...]
        if let parsed = try? ReferenceJSON.parse(String(decoding: stringSlice(text), as: UTF8.self)).stringValue {
            return parsed
        }
        return ""
    }

    private mutating func stringSlice(_ text: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        let start = index
        index += 1
        while let b = current {
            index += 1
            if b == UInt8(ascii: "\\") {
                index += 1
            } else if b == UInt8(ascii: "\"") {
                break
            }
        }
        return bytes[start..<min(index, bytes.count)]
    }
}
