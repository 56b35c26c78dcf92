/// A problem with what a run was asked to do — a bad spec file, a pattern that selects nothing, an output folder
/// that cannot be used — found before any case runs. The command line reports it and exits with 2.
public struct RunProblem: Error, Sendable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
