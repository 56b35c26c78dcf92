import ArgumentParser
import CaseModel
import Gating
import JSONCodec
import Recording
import Rendering
import ReportFormat

struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List case IDs with a one-line description.")

    @OptionGroup var caseOptions: CaseOptions

    @Option(name: .customLong("format"), help: "'text' (ID and first line of the description) or 'json'.")
    var format: OutputFormat = .text

    func run() async throws {
        let suite = try caseOptions.loadSuite()
        let selected: [CaseDefinition]
        do {
            selected = try caseOptions.selection().select(from: suite)
        } catch let problem as CaseSelection.Problem {
            throw UsageError(problem.description)
        }
        if format == .json {
            print(Self.json(selected))
            return
        }
        let width = selected.map { $0.id.description.count }.max() ?? 0
        for c in selected {
            let line = c.description.split(separator: "\n").first.map(String.init) ?? ""
            print(c.id.description.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + line)
        }
    }
}

import Foundation

extension ListCommand {
    /// The selected cases as a JSON array: id, category, subcategory, description, expectation, rfc.
    static func json(_ cases: [CaseDefinition]) -> String {
        ReferenceJSON.serialize(.array(cases.map { c in
            var members: [String: JSONValue] = [
                "id": .string(c.id.description),
                "category": .object(["id": .string(c.category.id), "title": .string(c.category.title)]),
                "description": .string(c.description),
                "expectation": .string(c.expectation),
            ]
            if let sub = c.subcategory { members["subcategory"] = .object(["id": .string(sub.id), "title": .string(sub.title)]) }
            if let rfc = c.rfc { members["rfc"] = .string(rfc) }
            if c.category.suite != nil { members["suite"] = .string(c.category.suiteName) }
            if let handshake = c.handshake {
                // Each check with its weight and clause: what a failure of the case points to.
                members["checks"] = .array(handshake.checks.map { check in
                    var m: [String: JSONValue] = [
                        "level": .string(check.level.rawValue.uppercased()), "check": .string(check.written),
                    ]
                    if let rfc = check.rfc ?? c.rfc { m["rfc"] = .string(rfc) }
                    return .object(m)
                })
            }
            return .object(members)
        }))
    }
}
