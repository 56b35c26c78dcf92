import JSONCodec
import Recording
import Foundation

/// Reads an `index.json` in the reference's format (catalogue 3.3), e.g. to compare wsspec's
/// verdicts with a reference run.
public enum ReferenceIndex {
    /// Loads `url` as agent → case ID → entry.
    /// - Throws: `ReferenceJSONError` for malformed JSON, `ReferenceIndexError` when the JSON does
    ///   not have the index shape, or the file system's error when it cannot be read.
    public static func load(_ url: URL) throws -> [String: [String: IndexEntry]] {
        let data = try Data(contentsOf: url)
        return try parse(String(decoding: data, as: UTF8.self))
    }

    /// Interprets the text of an `index.json`.
    public static func parse(_ text: String) throws -> [String: [String: IndexEntry]] {
        guard let agents = try ReferenceJSON.parse(text).objectValue else {
            throw ReferenceIndexError(reason: "the top level is not an object")
        }
        var result: [String: [String: IndexEntry]] = [:]
        for (agent, casesValue) in agents {
            guard let cases = casesValue.objectValue else {
                throw ReferenceIndexError(reason: "agent '\(agent)' does not map to an object")
            }
            var entries: [String: IndexEntry] = [:]
            for (caseID, entryValue) in cases {
                guard let entry = IndexEntry(json: entryValue) else {
                    throw ReferenceIndexError(reason: "entry '\(caseID)' of agent '\(agent)' is malformed")
                }
                entries[caseID] = entry
            }
            result[agent] = entries
        }
        return result
    }
}

/// An `index.json` whose JSON is valid but whose shape is not the index's.
public struct ReferenceIndexError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong.
    public var reason: String

    /// Creates an error.
    public init(reason: String) {
        self.reason = reason
    }

    public var description: String {
        "malformed index.json: \(reason)"
    }
}
