/// The strict recursive-descent parser behind `ReferenceJSON.parse`.
struct JSONTextParser {
    /// Nesting limit, so hostile input cannot exhaust the stack.
    static let maximumDepth = 512

    private let bytes: [UInt8]
    private var index = 0
    private var depth = 0
    /// With `locating`: the byte offset where each value starts, by path (`servers[0].url`, the root is ``),
    /// and where each key starts, as `path#key`. Later duplicates replace earlier ones, as their values do.
    private(set) var offsets: [String: Int]?

    init(bytes: [UInt8], locating: Bool = false) {
        self.bytes = bytes
        offsets = locating ? [:] : nil
    }

    /// Parses one value surrounded by optional whitespace, and nothing else.
    mutating func parseDocument() throws -> JSONValue {
        skipWhitespace()
        let value = try parseValue(path: offsets == nil ? nil : "")
        skipWhitespace()
        guard index == bytes.count else { throw fail("unexpected data after the JSON value") }
        return value
    }

    private func fail(_ reason: String) -> ReferenceJSONError {
        ReferenceJSONError(offset: index, reason: reason)
    }

    private var current: UInt8? {
        index < bytes.count ? bytes[index] : nil
    }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
            index += 1
        }
    }

    private mutating func expectLiteral(_ literal: String) throws {
        for byte in literal.utf8 {
            guard current == byte else { throw fail("invalid literal, expected \(literal)") }
            index += 1
        }
    }

    /// `path` is nil unless the parser records where values are.
    private mutating func parseValue(path: String?) throws -> JSONValue {
        guard let byte = current else { throw fail("unexpected end of input") }
        if let path { offsets?[path] = index }
        switch byte {
        case UInt8(ascii: "{"): return try parseObject(path: path)
        case UInt8(ascii: "["): return try parseArray(path: path)
        case UInt8(ascii: "\""): return JSONValue.fromUTF16(try parseStringUnits())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "N"): try expectLiteral("NaN"); return .double(.nan)
        case UInt8(ascii: "I"): try expectLiteral("Infinity"); return .double(.infinity)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw fail("unexpected character")
        }
    }

    private mutating func enterContainer() throws {
        depth += 1
        guard depth <= Self.maximumDepth else { throw fail("nesting deeper than \(Self.maximumDepth)") }
    }

    private mutating func parseArray(path: String?) throws -> JSONValue {
        try enterContainer()
        defer { depth -= 1 }
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(path: path.map { "\($0)[\(elements.count)]" }))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"): index += 1; return .array(elements)
            default: throw fail("expected , or ] in array")
            }
        }
    }

    private mutating func parseObject(path: String?) throws -> JSONValue {
        try enterContainer()
        defer { depth -= 1 }
        index += 1
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw fail("expected a string key") }
            let keyOffset = index
            guard let key = JSONValue.validString(try parseStringUnits()) else {
                throw ReferenceJSONError(offset: keyOffset, reason: "object key contains a lone surrogate")
            }
            if let path { offsets?[path + "#" + key] = keyOffset }
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw fail("expected : after object key") }
            index += 1
            skipWhitespace()
            members[key] = try parseValue(path: path.map { $0.isEmpty ? key : $0 + "." + key })
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"): index += 1; return .object(members)
            default: throw fail("expected , or } in object")
            }
        }
    }

    private mutating func parseNumber() throws -> JSONValue {
        let start = index
        if current == UInt8(ascii: "-") {
            index += 1
            if current == UInt8(ascii: "I") {
                try expectLiteral("Infinity")
                return .double(-.infinity)
            }
        }
        guard let first = current, first >= 0x30, first <= 0x39 else { throw fail("expected a digit") }
        index += 1
        if first != 0x30 { skipDigits() }
        var isInteger = true
        if current == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard try requireDigits() else { throw fail("expected a digit after .") }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard try requireDigits() else { throw fail("expected a digit in the exponent") }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if isInteger {
            guard let value = Int(text) else {
                throw ReferenceJSONError(offset: start, reason: "integer \(text) out of range")
            }
            return .int(value)
        }
        guard let value = Double(text) else {
            throw ReferenceJSONError(offset: start, reason: "invalid number \(text)")
        }
        return .double(value)
    }

    private mutating func skipDigits() {
        while let byte = current, byte >= 0x30, byte <= 0x39 { index += 1 }
    }

    /// Skips one or more digits; false if there was none.
    private mutating func requireDigits() throws -> Bool {
        let start = index
        skipDigits()
        return index > start
    }

    /// Parses a quoted string (the index is at the opening quote) into UTF-16 code units,
    /// keeping `\uXXXX` escapes unit by unit, lone surrogates included.
    private mutating func parseStringUnits() throws -> [UInt16] {
        index += 1
        var units: [UInt16] = []
        while true {
            guard let byte = current else { throw fail("unterminated string") }
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return units
            case UInt8(ascii: "\\"):
                index += 1
                try parseEscape(into: &units)
            case 0x00..<0x20:
                throw fail("control character in string")
            case 0x00..<0x80:
                units.append(UInt16(byte))
                index += 1
            default:
                try parseMultiByte(into: &units)
            }
        }
    }

    private mutating func parseEscape(into units: inout [UInt16]) throws {
        guard let byte = current else { throw fail("unterminated escape") }
        index += 1
        switch byte {
        case UInt8(ascii: "\""): units.append(0x22)
        case UInt8(ascii: "\\"): units.append(0x5C)
        case UInt8(ascii: "/"): units.append(0x2F)
        case UInt8(ascii: "b"): units.append(0x08)
        case UInt8(ascii: "f"): units.append(0x0C)
        case UInt8(ascii: "n"): units.append(0x0A)
        case UInt8(ascii: "r"): units.append(0x0D)
        case UInt8(ascii: "t"): units.append(0x09)
        case UInt8(ascii: "u"):
            var unit: UInt16 = 0
            for _ in 0..<4 {
                guard let digit = current.flatMap(Self.hexValue) else { throw fail("invalid \\u escape") }
                unit = unit << 4 | UInt16(digit)
                index += 1
            }
            units.append(unit)
        default:
            index -= 1
            throw fail("invalid escape character")
        }
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: return byte - 0x30
        case 0x41...0x46: return byte - 0x41 + 10
        case 0x61...0x66: return byte - 0x61 + 10
        default: return nil
        }
    }

    /// Copies one raw (non-ASCII) UTF-8 character of the text as UTF-16 units. The text came from
    /// a Swift `String`, so it is valid UTF-8; the checks only guard against misuse.
    private mutating func parseMultiByte(into units: inout [UInt16]) throws {
        let lead = bytes[index]
        let length: Int
        var scalar: UInt32
        switch lead {
        case 0xC0...0xDF: length = 2; scalar = UInt32(lead & 0x1F)
        case 0xE0...0xEF: length = 3; scalar = UInt32(lead & 0x0F)
        case 0xF0...0xF7: length = 4; scalar = UInt32(lead & 0x07)
        default: throw fail("invalid UTF-8")
        }
        guard index + length <= bytes.count else { throw fail("truncated UTF-8") }
        for offset in 1..<length {
            let byte = bytes[index + offset]
            guard byte & 0xC0 == 0x80 else { throw fail("invalid UTF-8") }
            scalar = scalar << 6 | UInt32(byte & 0x3F)
        }
        guard let value = Unicode.Scalar(scalar) else { throw fail("invalid UTF-8") }
        units.append(contentsOf: value.utf16)
        index += length
    }
}
