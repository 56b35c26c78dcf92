/// An extra header of the opening handshake request, checked so that it cannot break the request.
///
/// The name must be an HTTP token (RFC 9110 §5.1); the value may hold visible characters, spaces, tabs and
/// non-ASCII text, but no CR, LF, NUL or other control character — a CR/LF in a value would smuggle further
/// headers (or a request body) into the handshake.
public struct HeaderField: Sendable, Equatable {
    public var name: String
    public var value: String

    /// Why a header, a subprotocol or another handshake value was refused.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    /// Headers the handshake writes itself; giving them again would break it. The value says what to use instead.
    public static let reservedNames: [String: String] = [
        "upgrade": "the handshake sends 'Upgrade: WebSocket' itself",
        "connection": "the handshake sends 'Connection: Upgrade' itself",
        "sec-websocket-key": "the handshake makes its own key",
        "sec-websocket-version": "the handshake sends version 13 itself",
        "sec-websocket-accept": "that is a response header",
        "sec-websocket-extensions": "the cases choose the extensions they offer",
        "sec-websocket-protocol": "use --protocol (spec: 'protocols')",
        "origin": "use --origin (spec: 'origin')",
        "user-agent": "use --user-agent",
    ]

    /// A checked header. `Host` is allowed: it replaces the Host header taken from the URL.
    public init(name: String, value: String) throws {
        try Self.checkToken(name, what: "header name")
        if let instead = Self.reservedNames[name.lowercased()] {
            throw Problem("header '\(name)' cannot be set this way: \(instead)")
        }
        try Self.checkValue(value, what: "value of header '\(name)'")
        self.name = name
        self.value = value
    }

    /// Parses `Name: value` (as given to `-H`); blanks around the value are dropped.
    public init(line: String) throws {
        guard let colon = line.firstIndex(of: ":") else {
            throw Problem("header '\(Self.visible(line))' has no ':' (write it as 'Name: value')")
        }
        let name = String(line[..<colon])
        guard !name.isEmpty else { throw Problem("header '\(Self.visible(line))' has no name before ':'") }
        try self.init(name: name, value: String(line[line.index(after: colon)...]).trimmingBlanks())
    }

    /// Throws unless `text` is a non-empty HTTP token (header names, subprotocol names).
    public static func checkToken(_ text: String, what: String) throws {
        guard !text.isEmpty else { throw Problem("\(what) is empty") }
        for (offset, scalar) in text.unicodeScalars.enumerated() where !isTokenCharacter(scalar) {
            throw Problem(
                "\(what) '\(visible(text))' has \(describe(scalar)) at position \(offset + 1); only letters, digits and !#$%&'*+-.^_`|~ are allowed"
            )
        }
    }

    /// Throws if `text` cannot stand in a header value: CR, LF, NUL or another control character (tab is fine).
    public static func checkValue(_ text: String, what: String) throws {
        for (offset, scalar) in text.unicodeScalars.enumerated() {
            let v = scalar.value
            if (v < 0x20 && v != 0x09) || v == 0x7F {
                throw Problem("\(what) has \(describe(scalar)) at position \(offset + 1); header values cannot hold control characters")
            }
        }
    }

    static func isTokenCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9": return true
        case "!", "#", "$", "%", "&", "'", "*", "+", "-", ".", "^", "_", "`", "|", "~": return true
        default: return false
        }
    }

    public static func describe(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case "\r": return "a carriage return (CR)"
        case "\n": return "a line feed (LF)"
        case "\0": return "a NUL"
        case " ": return "a space"
        default:
            let hex = String(scalar.value, radix: 16, uppercase: true)
            return scalar.value < 0x20 || scalar.value == 0x7F
                ? "the control character U+\(String(repeating: "0", count: max(0, 4 - hex.count)) + hex)"
                : "'\(scalar)'"
        }
    }

    /// `text` with control characters escaped, for messages.
    static func visible(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\r": out += "\\r"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}
