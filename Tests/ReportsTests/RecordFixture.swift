import Foundation
import Recording
import ReportFormat
import WebSocketWire

extension CaseRecord {
    /// A record from the report's own terms (verdict names as the reference spells them, `ERROR` or a harness
    /// problem for a case wsspec could not run), so report tests read like the reports they check.
    init(
        agent: String, caseID: String, ordinal: Int, description: String, expectation: String, behavior: String,
        behaviorClose: String, result: String, resultClose: String, expected: [String: [RecordedEvent]] = [:],
        expectedClose: ExpectedClose? = nil, received: [RecordedEvent] = [], closing: ClosingBehavior = ClosingBehavior(),
        httpRequest: String, httpResponse: String? = nil, started: Date, durationMilliseconds: Int,
        reportTime: Bool = false, reportCompressionRatio: Bool = false, createWirelog: Bool = true,
        wirelog: [WireLogEntry] = [], statistics: WireStatistics = WireStatistics(), trafficStats: TrafficStats? = nil,
        harnessError: String? = nil, tls: TLSSessionInfo? = nil
    ) {
        var recording = CaseRecording()
        recording.closing = closing
        recording.connectionWasOpen = expectedClose != nil
        recording.handshakeRequest = httpRequest
        recording.handshakeResponse = httpResponse
        recording.started = started
        recording.durationMilliseconds = durationMilliseconds
        recording.wirelogEnabled = createWirelog
        recording.wirelog = wirelog
        recording.statistics = statistics
        recording.traffic = trafficStats
        recording.tls = tls
        let outcome: CaseOutcome
        if harnessError != nil || behavior == CaseOutcome.harnessErrorName {
            outcome = .harnessError(HarnessError(.unreachable, harnessError ?? result))
        } else {
            outcome = .judged(
                Judgement(
                    behavior: Behavior(rawValue: behavior)!, behaviorClose: CloseBehavior(rawValue: behaviorClose)!,
                    result: result, resultClose: resultClose))
        }
        self.init(
            agent: agent, caseID: caseID, ordinal: ordinal, description: description, expectation: expectation,
            outcome: outcome,
            expected: Dictionary(uniqueKeysWithValues: expected.map { (Behavior(rawValue: $0.key)!, $0.value) }),
            expectedClose: expectedClose, reportTime: reportTime, reportCompressionRatio: reportCompressionRatio,
            recording: recording)
        self.received = received
    }
}
