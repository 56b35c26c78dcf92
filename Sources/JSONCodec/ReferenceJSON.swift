/// The JSON dialect of the reference's report files.
///
/// The reference writes every JSON file with Python 2's
/// `json.dumps(obj, sort_keys=True, indent=3, separators=(',', ': '))` (ASCII output), and
/// `serialize` reproduces that byte for byte:
///
/// - object keys sorted in code-point order, 3-space indentation, `[]` / `{}` for empty
///   containers, `,` and `: ` as separators, no trailing newline;
/// - strings escaped with `\"` `\\` `\n` `\r` `\t` `\b` `\f`, every other code unit outside
///   `0x20...0x7E` as `\uXXXX` in lower-case hex (so characters above U+FFFF become a surrogate
///   pair and lone surrogates stay as they are); `/` is not escaped;
/// - doubles as Python's `repr` prints them (`0.5`, `1.0`, `2.5e-05`, `1e+16`), non-finite values
///   as `NaN` / `Infinity` / `-Infinity`.
///
/// One Python 2 detail needs a rule: the reference's statistics maps (`rxOctetStats`, …) have
/// *integer* keys, which Python sorts numerically before turning them into strings (`"15"`,
/// `"27"`, `"203"`). So an object whose keys are all canonical decimal integers is sorted
/// numerically; every other object is sorted by code point.
public enum ReferenceJSON {
    /// The indentation step of the reference's files.
    static let indentWidth = 3

    /// Serializes `value` exactly as the reference's report writer would.
    public static func serialize(_ value: JSONValue) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(4096)
        write(value, level: 0, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses a JSON text strictly (RFC 8259 grammar, plus Python's `NaN`, `Infinity` and
    /// `-Infinity`).
    ///
    /// Integers without fraction or exponent become `.int`, other numbers `.double`; strings with
    /// lone surrogate escapes become `.utf16`, all others `.string`. Duplicate keys: the last wins.
    /// - Throws: `ReferenceJSONError` with the byte offset of the problem.
    public static func parse(_ text: String) throws -> JSONValue {
        var parser = JSONTextParser(bytes: Array(text.utf8))
        return try parser.parseDocument()
    }

    /// Parses like `parse` and keeps where each value and key was written, for messages about a value that
    /// parsed but is wrong (a spec file's field).
    /// - Throws: `ReferenceJSONError` with the byte offset of the problem.
    public static func parseLocated(_ text: String) throws -> LocatedJSON {
        let bytes = Array(text.utf8)
        var parser = JSONTextParser(bytes: bytes, locating: true)
        let value = try parser.parseDocument()
        return LocatedJSON(value: value, offsets: parser.offsets ?? [:], bytes: bytes)
    }

    /// Object keys in the reference's order (see the type's documentation).
    static func sortedKeys(_ keys: some Collection<String>) -> [String] {
        var numeric: [(Int, String)] = []
        numeric.reserveCapacity(keys.count)
        for key in keys {
            guard let number = canonicalInteger(key) else {
                return keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            }
            numeric.append((number, key))
        }
        return numeric.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// The integer a key spells in canonical decimal form (`0`, `-7`, `203`; not `007`, `+1`).
    private static func canonicalInteger(_ key: String) -> Int? {
        let utf8 = Array(key.utf8)
        var digits = utf8[...]
        if digits.first == UInt8(ascii: "-") { digits = digits.dropFirst() }
        guard let first = digits.first, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        if first == 0x30 && (digits.count > 1 || utf8.count != digits.count) { return nil }
        return Int(key)
    }

    private static func write(_ value: JSONValue, level: Int, into out: inout [UInt8]) {
        switch value {
        case .null:
            out.append(contentsOf: "null".utf8)
        case .bool(let flag):
            out.append(contentsOf: (flag ? "true" : "false").utf8)
        case .int(let number):
            out.append(contentsOf: String(number).utf8)
        case .double(let number):
            out.append(contentsOf: PythonFloatFormat.repr(number).utf8)
        case .string(let text):
            writeString(text.utf16, into: &out)
        case .utf16(let units):
            writeString(units, into: &out)
        case .array(let elements):
            guard !elements.isEmpty else {
                out.append(contentsOf: "[]".utf8)
                return
            }
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                newline(level: level + 1, into: &out)
                write(element, level: level + 1, into: &out)
            }
            newline(level: level, into: &out)
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            guard !members.isEmpty else {
                out.append(contentsOf: "{}".utf8)
                return
            }
            out.append(UInt8(ascii: "{"))
            for (index, key) in sortedKeys(members.keys).enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                newline(level: level + 1, into: &out)
                writeString(key.utf16, into: &out)
                out.append(contentsOf: ": ".utf8)
                write(members[key] ?? .null, level: level + 1, into: &out)
            }
            newline(level: level, into: &out)
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func newline(level: Int, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\n"))
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: level * indentWidth))
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Writes a quoted string with Python 2's `ensure_ascii` escaping.
    private static func writeString(_ units: some Sequence<UInt16>, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for unit in units {
            switch unit {
            case 0x22: out.append(contentsOf: [0x5C, 0x22])              // \"
            case 0x5C: out.append(contentsOf: [0x5C, 0x5C])              // \\
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x08: out.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0x20...0x7E: out.append(UInt8(unit))
            default:
                out.append(contentsOf: [0x5C, UInt8(ascii: "u")])
                out.append(hexDigits[Int(unit >> 12)])
                out.append(hexDigits[Int((unit >> 8) & 0xF)])
                out.append(hexDigits[Int((unit >> 4) & 0xF)])
                out.append(hexDigits[Int(unit & 0xF)])
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
