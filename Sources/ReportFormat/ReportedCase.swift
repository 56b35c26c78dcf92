import JSONCodec
import Recording
import Foundation

/// One case of one agent as a report file tells it: the per-case JSON of wsspec or of the
/// reference, read back for the HTML pages, the console summary, JUnit and baselines.
///
/// Only `agent`, `id`, `behavior` and `behaviorClose` are required; every other field falls back
/// to an empty value, so files of older or foreign runs still render.
public struct ReportedCase: Sendable {
    /// The whole document, for the fields only the case page shows.
    public var json: JSONValue
    public var agent: String
    public var id: String
    public var behavior: String
    public var behaviorClose: String
    public var result: String
    public var resultClose: String
    public var description: String
    public var expectation: String
    public var duration: Int
    public var started: String
    public var remoteCloseCode: Int?
    public var reportTime: Bool
    public var reportCompressionRatio: Bool
    /// wsspec's `wsspecHarnessError`: the case could not be run (never the server's fault).
    public var harnessError: String?
    /// wsspec's `wsspecExplanation`: why the case did not pass outright.
    public var explanation: Explanation?
    /// wsspec's `wsspecReplay`: the command that runs the case again.
    public var replay: String?
    /// wsspec's `wsspecStability`: `flaky` or `failed` for a failing case that was run again, else nil.
    public var stability: String?
    /// wsspec's `wsspecAttempts`: the outcome of every run of a case that was run again, the first included.
    public var attempts: [(behavior: String, behaviorClose: String, result: String, duration: Int)] = []

    /// Whether reruns showed the case flaky.
    public var isFlaky: Bool { stability == Stability.flaky.rawValue }

    /// The outcomes of the runs, equal ones in a row counted: `NON-STRICT / OK ×2, then OK / OK`.
    public var runsSummary: String {
        var groups: [(String, Int)] = []
        for a in attempts {
            let outcome = "\(a.behavior) / \(a.behaviorClose)"
            if groups.last?.0 == outcome { groups[groups.count - 1].1 += 1 } else { groups.append((outcome, 1)) }
        }
        return groups.map { $0.1 > 1 ? "\($0.0) ×\($0.1)" : $0.0 }.joined(separator: ", then ")
    }

    /// Reads a per-case document.
    /// - Throws: `ReportedCaseError` naming the missing or mistyped field.
    public init(json: JSONValue) throws {
        guard json.objectValue != nil else { throw ReportedCaseError(reason: "the top level is not an object") }
        func required(_ key: String) throws -> String {
            guard let value = (json[key])?.text else {
                throw ReportedCaseError(reason: "the field '\(key)' is missing or not a string")
            }
            return value
        }
        self.json = json
        agent = try required("agent")
        id = try required("id")
        behavior = try required("behavior")
        behaviorClose = try required("behaviorClose")
        result = (json["result"])?.text ?? ""
        resultClose = (json["resultClose"])?.text ?? ""
        description = (json["description"])?.text ?? ""
        expectation = (json["expectation"])?.text ?? ""
        duration = json["duration"]?.intValue ?? 0
        started = (json["started"])?.text ?? ""
        remoteCloseCode = json["remoteCloseCode"]?.intValue
        reportTime = json["reportTime"]?.boolValue ?? false
        reportCompressionRatio = json["reportCompressionRatio"]?.boolValue ?? false
        harnessError = (json["wsspecHarnessError"])?.text
        explanation = json["wsspecExplanation"].flatMap(Explanation.init(json:))
        replay = json["wsspecReplay"]?.text
        stability = json["wsspecStability"]?.text
        attempts = (json["wsspecAttempts"]?.arrayValue ?? []).map { a in
            (a["behavior"]?.text ?? "?", a["behaviorClose"]?.text ?? "?", a["result"]?.text ?? "", a["duration"]?.intValue ?? 0)
        }
    }

    /// A record of this run, read directly (not through its JSON text); `json` is the document its report
    /// file holds, for the fields only the case page shows.
    public init(_ record: CaseRecord) {
        let fields = record.outcome.reportFields
        json = record.json()
        agent = record.agent
        id = record.caseID
        behavior = fields.behavior
        behaviorClose = fields.behaviorClose
        result = fields.result
        resultClose = fields.resultClose
        description = record.description
        expectation = record.expectation
        duration = record.recording.durationMilliseconds
        started = ReportTimestamp.format(record.recording.started)
        remoteCloseCode = record.closing.remoteCloseCode.map { Int($0.rawValue) }
        reportTime = record.reportTime
        reportCompressionRatio = record.reportCompressionRatio
        harnessError = record.harnessError?.reason
        explanation = record.explanation
        replay = record.replay
        stability = record.stability?.rawValue
        attempts = record.attempts.map { a in
            let f = a.outcome.reportFields
            return (f.behavior, f.behaviorClose, f.result, a.durationMilliseconds)
        }
    }

    /// Reads a per-case JSON file.
    /// - Throws: `ReportedCaseError` naming the file and the problem.
    public static func load(_ url: URL) throws -> ReportedCase {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ReportedCaseError(file: url.path, reason: "cannot be read")
        }
        do {
            return try ReportedCase(json: ReferenceJSON.parse(String(decoding: data, as: UTF8.self)))
        } catch var error as ReportedCaseError {
            error.file = url.path
            throw error
        } catch {
            throw ReportedCaseError(file: url.path, reason: "\(error)")
        }
    }

    /// The case's entry in `index.json`.
    public func indexEntry(reportfile: String) -> IndexEntry {
        IndexEntry(
            behavior: behavior, behaviorClose: behaviorClose, duration: duration, remoteCloseCode: remoteCloseCode,
            reportfile: reportfile)
    }

    /// Whether wsspec itself could not run the case (behaviour `ERROR`).
    public var isHarnessProblem: Bool {
        harnessError != nil || behavior == CaseOutcome.harnessErrorName
    }

    /// The compression ratios the matrix shows for 12.x/13.x (`[in/out]`, three decimals, `-`
    /// when unknown), or nil when the case does not report them.
    public var compressionDetail: String? {
        guard reportCompressionRatio else { return nil }
        func ratio(_ key: String) -> String {
            switch json["trafficStats"]?[key] {
            case .double(let value)?: return String(format: "%.3f", value)
            case .int(let value)?: return String(format: "%.3f", Double(value))
            default: return "-"
            }
        }
        return "[\(ratio("incomingCompressionRatio"))/\(ratio("outgoingCompressionRatio"))]"
    }
}

/// A per-case report file that cannot be used.
public struct ReportedCaseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String?
    public var reason: String

    public init(file: String? = nil, reason: String) {
        self.file = file
        self.reason = reason
    }

    public var description: String {
        (file.map { "\($0): " } ?? "") + reason
    }
}
