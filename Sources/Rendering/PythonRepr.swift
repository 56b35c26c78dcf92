import JSONCodec
/// The string forms the reference's case page shows for `expected` and `received`: Python 2
/// `repr`s of the event lists (tuples, `u'…'` text, `True`/`False`), so pages of wsspec and of the
/// reference read alike (catalogue §3.4).
enum PythonRepr {
    /// Longest string form shown; longer ones are cut and end in ` ...`.
    static let limit = 1000

    /// `{'NON-STRICT': [], 'OK': [('message', u'Hello', False)]}` for an `expected` map.
    static func expected(_ value: JSONValue?) -> String {
        guard let members = value?.objectValue else { return "{}" }
        let body = members.keys.sorted().map { key in
            "\(quoted(Array(key.utf16), unicode: false)): \(events(members[key]))"
        }
        return cut("{" + body.joined(separator: ", ") + "}")
    }

    /// `[('pong', u'x')]` for a `received` list.
    static func received(_ value: JSONValue?) -> String {
        cut(events(value))
    }

    private static func events(_ value: JSONValue?) -> String {
        guard let items = value?.arrayValue else { return "[]" }
        return "[" + items.map(event).joined(separator: ", ") + "]"
    }

    /// One event array as a tuple. The kind and a timeout's tag are plain `str`; a payload preview
    /// is `unicode` unless it is the `0x…` hex fallback.
    private static func event(_ value: JSONValue) -> String {
        guard let parts = value.arrayValue, let kind = parts.first?.stringValue else { return scalar(value, unicodeText: false) }
        let rendered = parts.enumerated().map { index, part -> String in
            if index == 0 { return quoted(Array(kind.utf16), unicode: false) }
            if index == 1, kind != "timeout", let units = part.stringUnits {
                return quoted(units, unicode: !isHexFallback(units))
            }
            return scalar(part, unicodeText: false)
        }
        return "(" + rendered.joined(separator: ", ") + (rendered.count == 1 ? ",)" : ")")
    }

    private static func scalar(_ value: JSONValue, unicodeText: Bool) -> String {
        switch value {
        case .null: return "None"
        case .bool(let flag): return flag ? "True" : "False"
        case .int(let number): return String(number)
        case .double(let number): return String(number)
        case .string, .utf16: return quoted(value.stringUnits ?? [], unicode: unicodeText)
        case .array(let items): return "[" + items.map { scalar($0, unicodeText: unicodeText) }.joined(separator: ", ") + "]"
        case .object: return expected(value)
        }
    }

    /// `0x` followed by hex digits (and possibly ` ...`): the preview of data that is not UTF-8.
    private static func isHexFallback(_ units: [UInt16]) -> Bool {
        let text = String(decoding: units, as: UTF16.self)
        guard text.hasPrefix("0x") else { return false }
        var rest = text.dropFirst(2)
        if rest.hasSuffix(" ...") { rest = rest.dropLast(4) }
        return rest.allSatisfy(\.isHexDigit) && rest.count % 2 == 0
    }

    /// Python 2's repr of a string: single quotes unless the text has `'` and no `"`; `\\`, `\n`,
    /// `\r`, `\t` escaped; other control and non-ASCII characters as `\xNN`, `\uNNNN`, `\UNNNNNNNN`.
    static func quoted(_ units: [UInt16], unicode: Bool) -> String {
        let hasSingle = units.contains(0x27), hasDouble = units.contains(0x22)
        let quote: UInt16 = hasSingle && !hasDouble ? 0x22 : 0x27
        var out = unicode ? "u" : ""
        out.unicodeScalars.append(Unicode.Scalar(UInt8(quote)))
        var index = 0
        while index < units.count {
            var code = UInt32(units[index])
            index += 1
            if (0xD800...0xDBFF).contains(code), index < units.count, (0xDC00...0xDFFF).contains(units[index]) {
                code = 0x10000 + ((code - 0xD800) << 10) + (UInt32(units[index]) - 0xDC00)
                index += 1
            }
            switch code {
            case UInt32(quote), 0x5C: out += "\\" + String(Unicode.Scalar(UInt8(code)))
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(UInt8(code)))
            case 0..<0x100: out += "\\x" + hex(code, width: 2)
            case 0x100..<0x10000: out += "\\u" + hex(code, width: 4)
            default: out += "\\U" + hex(code, width: 8)
            }
        }
        out.unicodeScalars.append(Unicode.Scalar(UInt8(quote)))
        return out
    }

    private static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    private static func cut(_ text: String) -> String {
        guard text.count > limit else { return text }
        return String(text.prefix(limit)) + " ..."
    }
}
