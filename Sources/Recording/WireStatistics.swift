/// Traffic statistics of one case (always collected, even with the wire log off).
public struct WireStatistics: Sendable, Equatable {
    /// TCP read size in bytes → number of reads.
    public var rxOctets: [Int: Int]
    /// TCP write (or chop) size in bytes → number of writes.
    public var txOctets: [Int: Int]
    /// Opcode → number of frames received.
    public var rxFrames: [Int: Int]
    /// Opcode → number of frames sent (counted when queued).
    public var txFrames: [Int: Int]

    /// Creates statistics, empty by default.
    public init(
        rxOctets: [Int: Int] = [:],
        txOctets: [Int: Int] = [:],
        rxFrames: [Int: Int] = [:],
        txFrames: [Int: Int] = [:]
    ) {
        self.rxOctets = rxOctets
        self.txOctets = txOctets
        self.rxFrames = rxFrames
        self.txFrames = txFrames
    }
}
