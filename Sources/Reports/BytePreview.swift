/// What the runner keeps of a payload or an octet chunk for the report: its first bytes and its
/// total length.
///
/// The reference shows data in full when it is at most `threshold` (60) bytes long; longer data
/// is cut to its first `keptBytes` (64) bytes followed by ` ...` — so 61 to 64 bytes of data
/// appear in full *and* with the marker (catalogue 1.7).
public struct BytePreview: Sendable, Equatable {
    /// Longest data shown without the ` ...` marker.
    public static let threshold = 60
    /// Number of bytes kept (and shown) of longer data.
    public static let keptBytes = 64

    /// The first (at most `keptBytes`) bytes of the data.
    public var prefix: [UInt8]
    /// Total length of the data in bytes.
    public var length: Int

    /// Keeps the first `keptBytes` bytes of `bytes` and its length.
    public init(_ bytes: some Collection<UInt8>) {
        self.prefix = Array(bytes.prefix(Self.keptBytes))
        self.length = bytes.count
    }

    /// Creates a preview from already cut data; `prefix` is cut to `keptBytes` if longer.
    public init(prefix: [UInt8], length: Int) {
        self.prefix = Array(prefix.prefix(Self.keptBytes))
        self.length = length
    }

    /// Whether the data is longer than `threshold`, i.e. rendered cut and with ` ...`.
    public var isTruncated: Bool {
        length > Self.threshold
    }

    /// The bytes a preview shows: everything when short, else the kept prefix.
    private var shownBytes: [UInt8] {
        isTruncated ? prefix : Array(prefix.prefix(length))
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Lower-case hex of the data, cut as described above (the wire log's octet preview).
    public var hexPreview: String {
        var out: [UInt8] = []
        out.reserveCapacity(shownBytes.count * 2 + 4)
        for byte in shownBytes {
            out.append(Self.hexDigits[Int(byte >> 4)])
            out.append(Self.hexDigits[Int(byte & 0xF)])
        }
        if isTruncated { out.append(contentsOf: " ...".utf8) }
        return String(decoding: out, as: UTF8.self)
    }

    /// The text preview of the data: the shown bytes (plus the ASCII bytes ` ...` when cut)
    /// decoded as UTF-8 with Python 2's rules, or `"0x"` + `hexPreview` if that fails.
    ///
    /// `.utf16` when the decoded text contains a surrogate (Python 2 decodes `ED A0 80` to a lone
    /// U+D800), `.string` otherwise.
    public var textPreview: JSONValue {
        var bytes = shownBytes
        if isTruncated { bytes.append(contentsOf: " ...".utf8) }
        guard let decoded = Python2UTF8.decode(bytes) else {
            return .string("0x" + hexPreview)
        }
        if decoded.hasSurrogate { return .utf16(units: decoded.units) }
        return .string(String(decoding: decoded.units, as: UTF16.self))
    }

    /// `[length, hexPreview]`, as in the `RO` / `TO` wire-log entries.
    var hexPair: JSONValue {
        .array([.int(length), .string(hexPreview)])
    }

    /// `[length, textPreview]`, as in the `RF` / `TF` wire-log entries.
    var textPair: JSONValue {
        .array([.int(length), textPreview])
    }
}
