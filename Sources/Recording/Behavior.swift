/// The main verdict of a case: how the peer handled what the case sent (catalogue §1.5). The raw value is the
/// verdict's name as reports, case files and the console spell it.
public enum Behavior: String, Sendable, CaseIterable, Hashable {
    case ok = "OK"
    case nonStrict = "NON-STRICT"
    case informational = "INFORMATIONAL"
    case unimplemented = "UNIMPLEMENTED"
    case failed = "FAILED"
}
