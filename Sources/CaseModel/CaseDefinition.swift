import Recording
import WebSocketWire

/// A row of the report matrix: a category (`"5"`) or subcategory (`"6.4"`) with its title.
public struct CaseGroup: Sendable, Equatable {
    public var id: String
    public var title: String
    /// A category's cases need the server to themselves (`runs-alone`): they run alone even with `--jobs`.
    public var runsAlone: Bool
    /// A category's reports show each case's duration (`reports-time`; the reference's `reportTime`).
    public var reportsTime: Bool
    /// The suite a category belongs to (`suite: handshake`); nil is the reference's suite, the one `run` selects
    /// by default.
    public var suite: String?

    public init(id: String, title: String, runsAlone: Bool = false, reportsTime: Bool = false, suite: String? = nil) {
        self.id = id
        self.title = title
        self.runsAlone = runsAlone
        self.reportsTime = reportsTime
        self.suite = suite
    }

    /// The name of the reference's suite, which categories without `suite` belong to.
    public static let referenceSuite = "reference"

    /// The suite's name, `reference` when the category does not name one.
    public var suiteName: String { suite ?? Self.referenceSuite }
}

/// Where something was written in a case file.
public struct SourceLocation: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }
    /// `file:line:column`, or only the file when the problem is not at a place in it (line 0).
    public var description: String { line > 0 ? "\(file):\(line):\(column)" : file }
}

/// One frame to send, every header field free.
public struct FrameStep: Sendable, Equatable {
    public var opcode: Opcode
    public var fin: Bool = true
    public var rsv: UInt8 = 0
    public var payload: Payload = .empty
    /// Send the payload repeated to this many octets (the reference's `payload_len`).
    public var repeatLength: Int?
    /// Write the encoded frame in pieces of this many octets.
    public var chop: Int?
    /// Write the frame as its own flushed write.
    public var sync: Bool = false

    public init(opcode: Opcode, fin: Bool = true, rsv: UInt8 = 0, payload: Payload = .empty,
                repeatLength: Int? = nil, chop: Int? = nil, sync: Bool = false) {
        self.opcode = opcode
        self.fin = fin
        self.rsv = rsv
        self.payload = payload
        self.repeatLength = repeatLength
        self.chop = chop
        self.sync = sync
    }
}

/// A data message, possibly split into frames.
public struct MessageStep: Sendable, Equatable {
    public var binary: Bool
    public var payload: Payload
    public var fragmentSize: Int?
    public var sync: Bool = false

    public init(binary: Bool, payload: Payload, fragmentSize: Int? = nil, sync: Bool = false) {
        self.binary = binary
        self.payload = payload
        self.fragmentSize = fragmentSize
        self.sync = sync
    }
}

/// The round-trip loop of the compression cases (and of any case that streams a data set through the server):
/// `count` messages of `size` units cut one after the other from a test-data file (wrapping around at its end),
/// one in flight at a time; each echo must have the same type, length and content.
public struct MessageLoopStep: Sendable, Equatable {
    /// A file of the test-data folder (`Cases/data/`, or `--testdata DIR`).
    public var data: String
    /// Text messages (sizes and positions count code points of the UTF-8 file) or binary ones (octets).
    public var text: Bool
    public var size: Int
    public var count: Int
    /// Split each message (its compressed form, when compressed) into frames of this many octets.
    public var fragmentSize: Int?
    /// Seconds until a Close without payload ends the case, started when the loop starts.
    public var timeout: Double
    /// Send the messages compressed: without a negotiated permessage-deflate the case is UNIMPLEMENTED.
    public var compressed: Bool

    public init(
        data: String, text: Bool, size: Int, count: Int, fragmentSize: Int? = nil, timeout: Double, compressed: Bool
    ) {
        self.data = data
        self.text = text
        self.size = size
        self.count = count
        self.fragmentSize = fragmentSize
        self.timeout = timeout
        self.compressed = compressed
    }
}

/// One thing a case does once the WebSocket is open.
public enum Step: Sendable, Equatable {
    case send(FrameStep)
    case message(MessageStep)
    case raw(Payload, chop: Int?, sync: Bool)
    /// The normal closing handshake (validated code and reason).
    case close(code: Int?, reason: String?)
    /// A Close frame with any code and reason octets.
    case closeFrame(code: Int?, reason: Payload?)
    /// Wait; with a tag, a phase boundary that records `timeout: tag` and needs the connection open.
    case pause(seconds: Double, tag: String?)
    case closeAfter(seconds: Double)
    case killAfter(seconds: Double)
    /// Switches the wire log's octet and frame entries; `silent` leaves no `WLM` entry of the switch.
    case wirelog(Bool, silent: Bool)
    /// Writes the header of a frame whose payload the following `frameData` steps write, piece by piece.
    case frameBegin(FrameBeginStep)
    /// The next piece of the payload of the frame `frameBegin` opened, masked where that frame left off.
    case frameData(Payload)
    case messageLoop(MessageLoopStep)
}

/// The header of a frame whose payload is written later, in pieces.
public struct FrameBeginStep: Sendable, Equatable {
    public var opcode: Opcode
    public var fin: Bool
    public var rsv: UInt8
    /// The declared payload length, whatever the pieces add up to.
    public var length: Int

    public init(opcode: Opcode, fin: Bool = true, rsv: UInt8 = 0, length: Int) {
        self.opcode = opcode
        self.fin = fin
        self.rsv = rsv
        self.length = length
    }
}

/// The echo check of the limits and performance cases (category 9): every data message the server sends
/// back must be the one just sent — same type, same length and (beyond the reference) same octets.
public struct EchoCheck: Sendable, Equatable {
    /// The case's time limit, named in the result while no (or not every) echo has come.
    public var within: Double
    /// How many round trips: after each correct echo wsspec sends the last message again, until this many.
    public var rounds: Int

    public init(within: Double, rounds: Int = 1) {
        self.within = within
        self.rounds = rounds
    }
}

/// An event a case expects to observe.
public enum ExpectedEvent: Sendable, Equatable {
    case message(Payload, binary: Bool)
    case pong(Payload)
    case timeout(String)
}

/// The closing behaviour a case expects.
public struct CloseExpectation: Sendable, Equatable {
    /// True when wsspec (the client) must send the first Close.
    public var closedByClient: Bool
    public var codes: [CloseCode]
    public var requireClean: Bool
    /// The case itself fails when the wrong side closed (the server missed invalid data).
    public var wrongEndpointIsFatal: Bool

    public init(closedByClient: Bool, codes: [CloseCode], requireClean: Bool, wrongEndpointIsFatal: Bool = false) {
        self.closedByClient = closedByClient
        self.codes = codes
        self.requireClean = requireClean
        self.wrongEndpointIsFatal = wrongEndpointIsFatal
    }
}

/// Special verdict rules a few cases of the reference apply.
public struct VerdictRules: Sendable, Equatable {
    /// WRONG CODE for the close makes the behaviour FAILED too (most of category 7).
    public var wrongCodeFails = false
    /// Always INFORMATIONAL / INFORMATIONAL (7.1.6, 7.13.x).
    public var informational = false
    /// The result text to report, whatever matched.
    public var result: String?
    /// The result text to report per matched outcome.
    public var results: [Behavior: String] = [:]
    /// The frames wsspec itself must have sent, by opcode (10.1.1).
    public var txFrames: [Int: Int]?

    public init() {}
}

/// A case, fully expanded: what to send, what to expect, how to judge.
public struct CaseDefinition: Sendable, Equatable {
    public var id: CaseID
    public var description: String
    public var expectation: String
    public var rfc: String?
    /// What the clause requires, in one line (`requirement`), shown beside a failure.
    public var requirement: String?
    public var category: CaseGroup { didSet { deriveRuntime() } }
    public var subcategory: CaseGroup?
    public var steps: [Step] { didSet { deriveRuntime() } }
    /// Outcome name (`OK`, `NON-STRICT`) → the events, in the order they were written.
    public var expected: [(outcome: Behavior, events: [ExpectedEvent])]
    public var close: CloseExpectation { didSet { deriveRuntime() } }
    public var autoClose: Bool
    public var verdict: VerdictRules
    /// When set, the echo check decides the behaviour and `expected` is empty.
    public var echo: EchoCheck? { didSet { deriveRuntime() } }
    /// What the case needs at run time, derived from the fields above whenever one of them is set.
    public private(set) var runtime: CaseRuntime
    public var source: SourceLocation
    /// permessage-deflate offers sent in the opening handshake, in order; empty sends no extension header.
    public var deflateOffers: [DeflateOffer] = []
    /// A handshake case (`request`, `response`): wsspec writes this request instead of its own and judges the
    /// answer by these checks.
    public var handshake: HandshakeCase?
    /// `interleave: true`: the server may answer pings before or after echoing the messages sent around them (its
    /// protocol layer and its application write independently): the messages must arrive in their order and the
    /// pongs in theirs, but the two lists may interleave in any way.
    public var interleave = false

    public init(
        id: CaseID, description: String, expectation: String, rfc: String? = nil, requirement: String? = nil,
        category: CaseGroup,
        subcategory: CaseGroup? = nil, steps: [Step], expected: [(outcome: Behavior, events: [ExpectedEvent])],
        close: CloseExpectation, autoClose: Bool = true, verdict: VerdictRules = VerdictRules(),
        echo: EchoCheck? = nil, source: SourceLocation
    ) {
        self.id = id
        self.description = description
        self.expectation = expectation
        self.rfc = rfc
        self.requirement = requirement
        self.category = category
        self.subcategory = subcategory
        self.steps = steps
        self.expected = expected
        self.close = close
        self.autoClose = autoClose
        self.verdict = verdict
        self.echo = echo
        self.source = source
        self.runtime = CaseRuntime(steps: steps, echo: echo, close: close, category: category)
    }

    private mutating func deriveRuntime() {
        runtime = CaseRuntime(steps: steps, echo: echo, close: close, category: category)
    }

    /// The report shows the case's duration.
    public var reportsTime: Bool { runtime.reportsTime }

    public static func == (lhs: CaseDefinition, rhs: CaseDefinition) -> Bool {
        lhs.id == rhs.id && lhs.description == rhs.description && lhs.steps == rhs.steps
            && lhs.expected.map(\.outcome) == rhs.expected.map(\.outcome)
            && lhs.expected.map(\.events) == rhs.expected.map(\.events) && lhs.close == rhs.close
            && lhs.autoClose == rhs.autoClose && lhs.verdict == rhs.verdict && lhs.echo == rhs.echo
            && lhs.deflateOffers == rhs.deflateOffers && lhs.handshake == rhs.handshake
            && lhs.interleave == rhs.interleave
    }
}
