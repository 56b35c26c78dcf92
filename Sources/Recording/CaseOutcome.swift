/// What became of a case: judged, or not judgeable because of a problem of the harness.
public enum CaseOutcome: Sendable, Equatable {
    case judged(Judgement)
    case harnessError(HarnessError)

    public var judgement: Judgement? {
        if case .judged(let judgement) = self { return judgement }
        return nil
    }

    public var harnessError: HarnessError? {
        if case .harnessError(let error) = self { return error }
        return nil
    }
}
