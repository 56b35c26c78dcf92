/// A JSON document as the reference report writer sees it.
///
/// Besides the usual JSON kinds it has `utf16(units:)`, a string given as raw UTF-16 code units,
/// because the reference's payload previews may contain lone surrogates (`"\ud800"`) which a Swift
/// `String` cannot hold.
///
/// Equality is structural, except that strings compare by their UTF-16 code units (not by Swift's
/// canonical equivalence): `.string("\u{10000}")` equals `.utf16(units: [0xD800, 0xDC00])`, because
/// both serialize to the same bytes, while a precomposed `é` differs from `e` + combining accent.
public enum JSONValue: Sendable, Equatable {
    /// JSON `null`.
    case null
    /// JSON `true` / `false`.
    case bool(Bool)
    /// A JSON number without fraction or exponent.
    case int(Int)
    /// A JSON number with fraction or exponent (serialized the way Python's `repr` prints it).
    case double(Double)
    /// A string that is valid Unicode.
    case string(String)
    /// A string given as UTF-16 code units; may contain lone surrogates.
    case utf16(units: [UInt16])
    /// A JSON array.
    case array([JSONValue])
    /// A JSON object. Key order is decided by the serializer (sorted).
    case object([String: JSONValue])

    /// The UTF-16 code units of a string value (`.string` or `.utf16`), otherwise `nil`.
    public var stringUnits: [UInt16]? {
        switch self {
        case .string(let text): return Array(text.utf16)
        case .utf16(let units): return units
        default: return nil
        }
    }

    /// A string value as text, lone surrogates (which payload previews may carry) as U+FFFD; nil for other kinds.
    public var text: String? {
        stringUnits.map { String(decoding: $0, as: UTF16.self) }
    }

    /// The value as a Swift `String` if it is a string without lone surrogates.
    public var stringValue: String? {
        switch self {
        case .string(let text): return text
        case .utf16(let units): return JSONValue.validString(units)
        default: return nil
        }
    }

    /// The value if it is `.int`.
    public var intValue: Int? {
        if case .int(let value) = self { return value }
        return nil
    }

    /// The value if it is `.bool`.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The elements if the value is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The members if the value is an object.
    public var objectValue: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// Whether the value is `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// Member lookup for objects; `nil` for other kinds or missing keys.
    public subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }

    /// Makes a string value from UTF-16 units: `.string` when they are valid UTF-16, else `.utf16`.
    public static func fromUTF16(_ units: [UInt16]) -> JSONValue {
        if let text = validString(units) { return .string(text) }
        return .utf16(units: units)
    }

    /// Decodes UTF-16 units to a `String` when they contain no lone surrogate.
    static func validString(_ units: [UInt16]) -> String? {
        var index = 0
        while index < units.count {
            let unit = units[index]
            if unit >= 0xD800 && unit <= 0xDBFF {
                guard index + 1 < units.count, units[index + 1] >= 0xDC00, units[index + 1] <= 0xDFFF else {
                    return nil
                }
                index += 2
            } else if unit >= 0xDC00 && unit <= 0xDFFF {
                return nil
            } else {
                index += 1
            }
        }
        return String(decoding: units, as: UTF16.self)
    }

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.int(a), .int(b)): return a == b
        case let (.double(a), .double(b)): return a == b || (a.isNaN && b.isNaN)
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)): return a == b
        case (.string, .string), (.string, .utf16), (.utf16, .string), (.utf16, .utf16):
            if case let (.string(a), .string(b)) = (lhs, rhs) {
                return a.utf16.elementsEqual(b.utf16)
            }
            return lhs.stringUnits == rhs.stringUnits
        default: return false
        }
    }
}
