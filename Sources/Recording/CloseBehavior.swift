/// The closing verdict of a case: how the connection ended against what the case expects (catalogue §1.5).
/// The raw value is the verdict's name as reports and the console spell it.
public enum CloseBehavior: String, Sendable, CaseIterable, Hashable {
    case ok = "OK"
    case wrongCode = "WRONG CODE"
    case unclean = "UNCLEAN"
    case failedByClient = "FAILED BY CLIENT"
    case informational = "INFORMATIONAL"
    case failed = "FAILED"
}
