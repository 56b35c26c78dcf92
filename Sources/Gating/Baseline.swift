import JSONCodec
import ReportFormat
import Recording
import Foundation

/// Expected outcomes of a run (`--expect FILE`): what a project accepts today, so that only a
/// change for the worse fails its CI.
///
/// Two file shapes are read: the reference's `index.json` (agent → case → `{behavior,
/// behaviorClose, …}`), and the compact file `wsspec run --write-expect` writes (agent → case →
/// `[behavior, behaviorClose]`, one case a line).
public struct Baseline: Sendable, Equatable {
    /// A case's expected pair of verdicts.
    public struct Outcome: Sendable, Hashable, CustomStringConvertible {
        public var behavior: String
        public var behaviorClose: String

        public init(behavior: String, behaviorClose: String) {
            self.behavior = behavior
            self.behaviorClose = behaviorClose
        }

        public var description: String { "\(behavior) / \(behaviorClose)" }
    }

    /// Agent → case ID → expected outcome.
    public var agents: [String: [String: Outcome]]

    public init(agents: [String: [String: Outcome]]) {
        self.agents = agents
    }

    /// The outcomes of a finished run.
    public init(_ cases: [ReportedCase]) {
        var agents: [String: [String: Outcome]] = [:]
        for c in cases {
            agents[c.agent, default: [:]][c.id] = Outcome(behavior: c.behavior, behaviorClose: c.behaviorClose)
        }
        self.init(agents: agents)
    }

    /// The expectations for `agent`: its own, or — when the baseline holds exactly one agent — that
    /// one's, so a baseline made under another name (the reference's `index.json` of the same
    /// server) still applies.
    public func outcomes(for agent: String) -> [String: Outcome]? {
        if let own = agents[agent] { return own }
        return agents.count == 1 ? agents.first!.value : nil
    }

    /// Reads either shape.
    /// - Throws: `BaselineError` naming the file and what is wrong.
    public static func load(_ url: URL) throws -> Baseline {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw BaselineError(file: url.path, reason: "cannot be read")
        }
        do {
            return try parse(String(decoding: data, as: UTF8.self))
        } catch let error as BaselineError {
            throw BaselineError(file: url.path, reason: error.reason)
        } catch {
            throw BaselineError(file: url.path, reason: "not valid JSON: \(error)")
        }
    }

    /// Interprets the text of a baseline file.
    public static func parse(_ text: String) throws -> Baseline {
        guard let top = try ReferenceJSON.parse(text).objectValue else {
            throw BaselineError(file: "", reason: "the top level is not an object of agents")
        }
        var agents: [String: [String: Outcome]] = [:]
        for (agent, value) in top {
            guard let cases = value.objectValue else {
                throw BaselineError(file: "", reason: "agent '\(agent)' does not map to an object of cases")
            }
            var outcomes: [String: Outcome] = [:]
            for (caseID, entry) in cases {
                if let pair = entry.arrayValue, pair.count == 2, let b = pair[0].stringValue, let c = pair[1].stringValue {
                    outcomes[caseID] = Outcome(behavior: b, behaviorClose: c)
                } else if let b = entry["behavior"]?.stringValue, let c = entry["behaviorClose"]?.stringValue {
                    outcomes[caseID] = Outcome(behavior: b, behaviorClose: c)
                } else {
                    throw BaselineError(
                        file: "",
                        reason: "case '\(caseID)' of agent '\(agent)' is neither [behavior, behaviorClose] nor an index.json entry")
                }
            }
            agents[agent] = outcomes
        }
        return Baseline(agents: agents)
    }

    /// The compact file: agents and cases sorted (cases numerically), one case a line.
    public func serialized() -> String {
        var lines = ["{"]
        let names = agents.keys.sorted()
        for (agentIndex, agent) in names.enumerated() {
            lines.append("   \(ReferenceJSON.serialize(.string(agent))): {")
            let cases = agents[agent]!.sorted { CaseIDOrder.precedes($0.key, $1.key) }
            for (caseIndex, (id, outcome)) in cases.enumerated() {
                let pair = "[\(ReferenceJSON.serialize(.string(outcome.behavior))), "
                    + "\(ReferenceJSON.serialize(.string(outcome.behaviorClose)))]"
                lines.append("      \(ReferenceJSON.serialize(.string(id))): \(pair)" + (caseIndex < cases.count - 1 ? "," : ""))
            }
            lines.append("   }" + (agentIndex < names.count - 1 ? "," : ""))
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }
}

/// A baseline file that cannot be used.
public struct BaselineError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var reason: String

    public var description: String {
        file.isEmpty ? reason : "\(file): \(reason)"
    }
}
