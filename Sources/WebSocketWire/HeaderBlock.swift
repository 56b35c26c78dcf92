/// The end of an HTTP header block: the one scan for the empty line (CRLF CRLF) that ends it, used by the client's
/// handshake, the built-in echo server and the test servers.
public enum HeaderBlock {
    /// The offset just past the first empty line in `bytes` that ends after offset `start`. A caller that
    /// receives the block in pieces passes how much it has searched already (`start`: the search resumes three
    /// octets before it), so each octet is looked at a bounded number of times however slowly the block drips in.
    public static func end(in bytes: some Collection<UInt8>, from start: Int = 0) -> Int? {
        if let found = bytes.withContiguousStorageIfAvailable({ scan($0, from: start) }) { return found }
        return Array(bytes).withUnsafeBufferPointer { scan($0, from: start) }
    }

    private static func scan(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var i = max(0, start - 3)
        while i + 4 <= bytes.count {
            if bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 { return i + 4 }
            i += 1
        }
        return nil
    }
}
