import Foundation
import JSONCodec
import Recording
import ReportFormat

/// A record's fields as its report file spells them, so the comparisons with the reference's reports read
/// like those reports.
extension CaseRecord {
    var behavior: String { outcome.reportFields.behavior }
    var behaviorClose: String { outcome.reportFields.behaviorClose }
    var result: String { outcome.reportFields.result }
    var resultClose: String { outcome.reportFields.resultClose }
    var httpRequest: String { recording.handshakeRequest }
    var httpResponse: String? { recording.handshakeResponse }
    var wirelog: [WireLogEntry] { recording.wirelog }
    var started: Date { recording.started }
    var durationMilliseconds: Int { recording.durationMilliseconds }
    var trafficStats: JSONValue? { json()["trafficStats"].flatMap { $0 == .null ? nil : $0 } }
    var remoteCloseCode: Int? { closing.remoteCloseCode.map { Int($0.rawValue) } }
}
