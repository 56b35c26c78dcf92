import ArgumentParser
import CaseModel

struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List case IDs with a one-line description.")

    @OptionGroup var caseOptions: CaseOptions

    func run() async throws {
        let suite = try caseOptions.loadSuite()
        let selected: [CaseDefinition]
        do {
            selected = try caseOptions.selection().select(from: suite)
        } catch let problem as CaseSelection.Problem {
            throw UsageError(problem.description)
        }
        let width = selected.map { $0.id.description.count }.max() ?? 0
        for c in selected {
            let line = c.description.split(separator: "\n").first.map(String.init) ?? ""
            print(c.id.description.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + line)
        }
    }
}

import Foundation
