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
    public var shownBytes: [UInt8] {
        isTruncated ? prefix : Array(prefix.prefix(length))
    }
}
