import JSONCodec
import Recording
/// One case's entry in `index.json` (catalogue 3.3).
public struct IndexEntry: Sendable, Equatable {
    /// Main verdict.
    public var behavior: String
    /// Close verdict.
    public var behaviorClose: String
    /// Duration in milliseconds.
    public var duration: Int
    /// Close code received from the server, or nil.
    public var remoteCloseCode: Int?
    /// File name of the per-case JSON.
    public var reportfile: String

    /// Creates an entry.
    public init(behavior: String, behaviorClose: String, duration: Int, remoteCloseCode: Int?, reportfile: String) {
        self.behavior = behavior
        self.behaviorClose = behaviorClose
        self.duration = duration
        self.remoteCloseCode = remoteCloseCode
        self.reportfile = reportfile
    }

    /// `{"behavior", "behaviorClose", "duration", "remoteCloseCode", "reportfile"}`.
    public func json() -> JSONValue {
        .object([
            "behavior": .string(behavior),
            "behaviorClose": .string(behaviorClose),
            "duration": .int(duration),
            "remoteCloseCode": remoteCloseCode.map(JSONValue.int) ?? .null,
            "reportfile": .string(reportfile),
        ])
    }

    /// Reads an entry back from its JSON form; nil if a field is missing or of the wrong type.
    public init?(json: JSONValue) {
        guard let behavior = json["behavior"]?.stringValue,
              let behaviorClose = json["behaviorClose"]?.stringValue,
              let duration = json["duration"]?.intValue,
              let closeCode = json["remoteCloseCode"],
              let reportfile = json["reportfile"]?.stringValue
        else { return nil }
        let remoteCloseCode: Int?
        if closeCode.isNull {
            remoteCloseCode = nil
        } else if let code = closeCode.intValue {
            remoteCloseCode = code
        } else {
            return nil
        }
        self.init(
            behavior: behavior, behaviorClose: behaviorClose, duration: duration,
            remoteCloseCode: remoteCloseCode, reportfile: reportfile
        )
    }
}
