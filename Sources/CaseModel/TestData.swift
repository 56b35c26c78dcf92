import Foundation
import WebSocketWire

/// A file of the test-data folder, ready to be cut into messages.
public struct TestDataSet: Sendable {
    public let name: String
    public let bytes: [UInt8]
    /// Whether positions and sizes count code points (a UTF-8 text file) rather than octets.
    public let text: Bool
    /// For text: the octet offset of every code point, and the file's length at the end.
    private let offsets: [Int]

    /// The data set's length in its units (code points or octets).
    public var length: Int { text ? offsets.count - 1 : bytes.count }

    public init(name: String, bytes: [UInt8], text: Bool) throws(TestDataError) {
        self.name = name
        self.bytes = bytes
        self.text = text
        guard text else {
            offsets = []
            return
        }
        guard UTF8Validator.isValid(bytes) else {
            throw TestDataError("test-data file \(name) is used as text but is not valid UTF-8")
        }
        var offsets: [Int] = []
        offsets.reserveCapacity(bytes.count + 1)
        for (i, b) in bytes.enumerated() where b & 0xC0 != 0x80 { offsets.append(i) }
        offsets.append(bytes.count)
        self.offsets = offsets
    }

    /// The octets of units `[from, from + count)`, wrapping around at the end as the reference does: the slice
    /// ends at `(from + count) mod length`; when that is not after `from`, the tail and the head are joined.
    public func message(from: Int, count: Int) -> (bytes: [UInt8], next: Int) {
        guard count > 0, length > 0 else { return ([], from) }
        let to = (from + count) % length
        if to > from { return (Array(bytes[octet(from)..<octet(to)]), to) }
        return (Array(bytes[octet(from)...]) + Array(bytes[..<octet(to)]), to)
    }

    private func octet(_ unit: Int) -> Int { text ? offsets[unit] : unit }
}

public struct TestDataError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The test-data files (a folder, or the copy built into wsspec): each is read once and shared by every case (and
/// every connection) that uses it.
public final class TestDataLibrary: @unchecked Sendable {
    /// Where the files are: a folder, or `wsspec-builtin:///Cases/data` for the copy built into wsspec. Its path
    /// tells compressed messages of one library from another's in caches.
    public let directory: URL
    /// Where the files come from, as messages name it: a folder's path, or `the built-in Cases/data`.
    public let location: String
    private let read: @Sendable (String) -> [UInt8]?
    private let lock = NSLock()
    private var cache: [String: TestDataSet] = [:]

    /// The files of a folder.
    public init(directory: URL) {
        self.directory = directory
        self.location = directory.path
        self.read = { name in
            FileManager.default.contents(atPath: directory.appendingPathComponent(name).path).map { [UInt8]($0) }
        }
    }

    /// Files built into the program, as if in `folder` (`Cases/data`); `read` gives them by name (nil: no such file).
    public init(builtin folder: String, read: @escaping @Sendable (String) -> [UInt8]?) {
        self.directory = URL(string: "wsspec-builtin:///" + folder) ?? URL(fileURLWithPath: "/" + folder)
        self.location = "the built-in " + folder
        self.read = read
    }

    /// The data set `name`, read as text or binary.
    public func dataSet(_ name: String, text: Bool) throws(TestDataError) -> TestDataSet {
        let key = (text ? "t:" : "b:") + name
        lock.lock()
        defer { lock.unlock() }
        if let cached = cache[key] { return cached }
        guard let bytes = read(name) else {
            throw TestDataError("test-data file \(name) cannot be read in \(location) (set --testdata DIR)")
        }
        let set = try TestDataSet(name: name, bytes: bytes, text: text)
        cache[key] = set
        return set
    }
}
