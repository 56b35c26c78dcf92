/// A problem in a case file, with the place it was found.
public struct CaseFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var location: SourceLocation
    public var message: String

    public init(_ message: String, at location: SourceLocation) {
        self.message = message
        self.location = location
    }

    public var description: String { "\(location): error: \(message)" }
}

/// Every problem found while loading case files: the loader reports them all at once.
public struct CaseLoadError: Error, Sendable, CustomStringConvertible {
    public var problems: [CaseFileError]

    public init(_ problems: [CaseFileError]) { self.problems = problems }

    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
