import JSONCodec
import Recording
import Foundation

/// A report file or folder could not be created or written.
public struct ReportWriterError: Error, LocalizedError, Sendable, Equatable, CustomStringConvertible {
    /// The path concerned.
    public var path: String
    /// What was attempted, e.g. "cannot create report directory".
    public var operation: String
    /// Why it failed (the system's explanation).
    public var reason: String

    /// Creates an error.
    public init(path: String, operation: String, reason: String) {
        self.path = path
        self.operation = operation
        self.reason = reason
    }

    /// `<operation> '<path>': <reason>`.
    public var description: String {
        "\(operation) '\(path)': \(reason)"
    }

    public var errorDescription: String? {
        description
    }
}
