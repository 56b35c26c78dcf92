import Recording

/// Keeps the wire log and the octet/frame statistics of one case (catalogue §1.7).
///
/// Payloads are kept as previews (their first 64 octets and length), never whole.
struct Recorder {
    /// Whether octet and frame entries go into the log. Statistics are always kept.
    private(set) var logEnabled = true
    private(set) var entries: [WireLogEntry] = []
    private(set) var statistics = WireStatistics()
    /// Octet and frame entries beyond this many switch the log off (announced), so a flooding server cannot
    /// grow the log without bound.
    var maxEntries = Int.max
    /// Whether frames and octets also go into `traced`, whatever the log's flag (the live trace).
    var tracing = false
    /// Trace events not yet taken (`CaseDriver.takeTrace()`).
    var traced: [TraceEvent] = []

    /// Switches the octet/frame entries on or off; `announce` adds a `WLM` entry when the flag changes.
    mutating func setLogging(_ enabled: Bool, announce: Bool) {
        guard enabled != logEnabled else { return }
        logEnabled = enabled
        if announce { entries.append(.wirelog(enabled: enabled)) }
        if tracing { traced.append(.wire(.wirelog(enabled: enabled))) }
    }

    mutating func rxOctets(_ bytes: some Collection<UInt8>) {
        statistics.rxOctets[bytes.count, default: 0] += 1
        if logEnabled || tracing { record(.rxOctets(BytePreview(bytes))) }
    }

    mutating func txOctets(_ bytes: some Collection<UInt8>, sync: Bool) {
        statistics.txOctets[bytes.count, default: 0] += 1
        if logEnabled || tracing { record(.txOctets(BytePreview(bytes), sync: sync)) }
    }

    mutating func rxFrame(payload: BytePreview, opcode: UInt8, fin: Bool, rsv: UInt8, mask: [UInt8]?) {
        statistics.rxFrames[Int(opcode), default: 0] += 1
        if logEnabled || tracing {
            record(.rxFrame(payload: payload, opcode: Int(opcode), fin: fin, rsv: Int(rsv), mask: mask))
        }
    }

    mutating func txFrame(
        payload: BytePreview, opcode: UInt8, fin: Bool, rsv: UInt8, mask: [UInt8]?, repeatLength: Int?, chop: Int?,
        sync: Bool
    ) {
        statistics.txFrames[Int(opcode), default: 0] += 1
        if logEnabled || tracing {
            record(
                .txFrame(
                    payload: payload, opcode: Int(opcode), fin: fin, rsv: Int(rsv), mask: mask,
                    repeatLength: repeatLength, chopSize: chop, sync: sync))
        }
    }

    /// Into the log when it is on, into the trace when tracing.
    private mutating func record(_ entry: WireLogEntry) {
        if tracing { traced.append(.wire(entry)) }
        if logEnabled { append(entry) }
    }

    private mutating func append(_ entry: WireLogEntry) {
        entries.append(entry)
        if entries.count >= maxEntries { setLogging(false, announce: true) }
    }

    /// Timer entries are recorded whether or not the log is on.
    mutating func timer(_ entry: WireLogEntry) {
        entries.append(entry)
    }
}
