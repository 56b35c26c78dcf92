import JSONCodec
import ReportFormat
import Recording
/// How a report shows a verdict: the matrix cell's text and colour, the console's word.
public enum ResultClass: String, Sendable, CaseIterable {
    case pass, nonStrict = "non-strict", informational = "info", failed = "fail", unimplemented, error, missing

    /// The class of a `behavior` value (`OK`, `NON-STRICT`, `INFORMATIONAL`, `UNIMPLEMENTED`,
    /// wsspec's `ERROR`; anything else is a failure, as in the reference).
    public init(behavior: String) {
        switch behavior {
        case "OK": self = .pass
        case "NON-STRICT": self = .nonStrict
        case "INFORMATIONAL": self = .informational
        case "UNIMPLEMENTED": self = .unimplemented
        case "ERROR": self = .error
        default: self = .failed
        }
    }

    /// The word in a matrix cell.
    public var label: String {
        switch self {
        case .pass: "Pass"
        case .nonStrict: "Non-Strict"
        case .informational: "Info"
        case .failed: "Fail"
        case .unimplemented: "Unimplemented"
        case .error: "Error"
        case .missing: "Missing"
        }
    }

    /// The cell colour (the reference's, plus a grey of wsspec's own for harness errors).
    public var colour: String {
        switch self {
        case .pass: "#0a0"
        case .nonStrict: "#9a0"
        case .informational: "#4095BF"
        case .failed: "#900"
        case .unimplemented: "#800080"
        case .error: "#666"
        case .missing: "#a05a2c"
        }
    }
}

/// How a report shows a close verdict.
public enum CloseClass: String, Sendable, CaseIterable {
    case ok, failedByClient = "failed-by-client", wrongCode = "wrong-code", unclean, informational = "info", failed

    /// The class of a `behaviorClose` value; anything unknown is a failure.
    public init(behaviorClose: String) {
        switch behaviorClose {
        case "OK": self = .ok
        case "FAILED BY CLIENT": self = .failedByClient
        case "WRONG CODE": self = .wrongCode
        case "UNCLEAN": self = .unclean
        case "INFORMATIONAL": self = .informational
        default: self = .failed
        }
    }

    /// The cell colour, as the reference's matrix.
    public var colour: String {
        switch self {
        case .ok: "#0a0"
        case .failedByClient: "#6d6"
        case .wrongCode: "#9a0"
        case .unclean: "#900"
        case .informational: "#4095BF"
        case .failed: "#900"
        }
    }

    /// The cell text: the server's close code (`None` when it sent none), or a word when the
    /// close itself failed.
    public func label(remoteCloseCode: Int?) -> String {
        switch self {
        case .unclean: "Unclean"
        case .failed: "Fail"
        default: remoteCloseCode.map(String.init) ?? "None"
        }
    }
}
