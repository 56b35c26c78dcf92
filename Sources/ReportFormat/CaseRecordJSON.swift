import JSONCodec
import Recording

extension CaseOutcome {
    /// wsspec's `behavior` and `behaviorClose` for a case it could not run.
    public static let harnessErrorName = "ERROR"

    /// `behavior`, `behaviorClose`, `result` and `resultClose` as the report spells them.
    public var reportFields: (behavior: String, behaviorClose: String, result: String, resultClose: String) {
        switch self {
        case .judged(let j):
            return (j.behavior.rawValue, j.behaviorClose.rawValue, j.result, j.resultClose)
        case .harnessError(let error):
            let text = "wsspec could not run this case: \(error.reason)"
            return (Self.harnessErrorName, Self.harnessErrorName, text, text)
        }
    }
}

extension CaseRecord {
    /// Name of the per-case JSON file, e.g. `websockets_case_3_4.json`.
    public var reportFileName: String {
        ReportFileName.caseFile(agent: agent, caseID: caseID, ext: "json")
    }

    /// This record's entry of `index.json`.
    public var indexEntry: IndexEntry {
        let fields = outcome.reportFields
        return IndexEntry(
            behavior: fields.behavior, behaviorClose: fields.behaviorClose, duration: recording.durationMilliseconds,
            remoteCloseCode: closing.remoteCloseCode.map { Int($0.rawValue) }, reportfile: reportFileName)
    }

    /// The per-case JSON: exactly the 39 keys of the reference (plus `wsspecHarnessError` for a case wsspec
    /// could not run, `wsspecTLS` for a case run over TLS, `wsspecHTTPVersion` ("2") and `wsspecStreamEnd` for a case run over HTTP/2, `wsspecExplanation` for a case that did not pass outright
    /// and `wsspecReplay`, the command that runs it again; `wsspecStability` and `wsspecAttempts` for a failing
    /// case that was run again).
    public func json() -> JSONValue {
        let fields = outcome.reportFields
        var members = closing.jsonMembers()
        members["agent"] = .string(agent)
        members["behavior"] = .string(fields.behavior)
        members["behaviorClose"] = .string(fields.behaviorClose)
        members["case"] = .int(ordinal)
        members["createStats"] = .bool(true)
        members["createWirelog"] = .bool(recording.wirelogEnabled)
        members["description"] = .string(description)
        members["duration"] = .int(recording.durationMilliseconds)
        members["expectation"] = .string(expectation)
        members["expected"] = .object(
            Dictionary(uniqueKeysWithValues: expected.map { ($0.key.rawValue, JSONValue.array($0.value.map { $0.json() })) }))
        members["expectedClose"] = expectedClose?.json() ?? .object([:])
        members["httpRequest"] = .string(recording.handshakeRequest)
        members["httpResponse"] = .string(recording.handshakeResponse ?? "?")
        members["id"] = .string(caseID)
        members["received"] = .array(received.map { $0.json() })
        members["reportCompressionRatio"] = .bool(reportCompressionRatio)
        members["reportTime"] = .bool(reportTime)
        members["result"] = .string(fields.result)
        members["resultClose"] = .string(fields.resultClose)
        members["rxFrameStats"] = WireStatistics.json(recording.statistics.rxFrames)
        members["rxOctetStats"] = WireStatistics.json(recording.statistics.rxOctets)
        members["started"] = .string(ReportTimestamp.format(recording.started))
        // The reference writes the counters of a message loop only when the case passed.
        members["trafficStats"] = judgement?.behavior == .ok ? recording.traffic?.json() ?? .null : .null
        members["txFrameStats"] = WireStatistics.json(recording.statistics.txFrames)
        members["txOctetStats"] = WireStatistics.json(recording.statistics.txOctets)
        members["wirelog"] = .array(recording.wirelog.map { $0.json() })
        if let harnessError {
            members["wsspecHarnessError"] = .string(harnessError.reason)
        }
        if let tls = recording.tls {
            members["wsspecTLS"] = tls.json()
        }
        if let version = recording.httpVersion {
            members["wsspecHTTPVersion"] = .string(version)
        }
        if let streamEnd = recording.streamEnd {
            members["wsspecStreamEnd"] = .string(streamEnd)
        }
        if let code = recording.streamReset {
            members["wsspecStreamReset"] = .string(code)
        }
        if let code = recording.goAway {
            members["wsspecGoAway"] = .string(code)
        }
        if let value = recording.connectProtocolSetting {
            members["wsspecConnectProtocol"] = .int(value)
        }
        if let explanation {
            members["wsspecExplanation"] = explanation.json()
        }
        if let replay {
            members["wsspecReplay"] = .string(replay)
        }
        if let stability {
            members["wsspecStability"] = .string(stability.rawValue)
            members["wsspecAttempts"] = .array(attempts.map { attempt in
                let fields = attempt.outcome.reportFields
                return .object([
                    "behavior": .string(fields.behavior), "behaviorClose": .string(fields.behaviorClose),
                    "result": .string(fields.result), "resultClose": .string(fields.resultClose),
                    "duration": .int(attempt.durationMilliseconds),
                ])
            })
        }
        return .object(members)
    }

    /// `json()` serialized in the reference's format.
    public func serialized() -> String {
        ReferenceJSON.serialize(json())
    }
}
