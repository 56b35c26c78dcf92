import Foundation
import Gating
import JSONCodec
import ReportFormat

/// What wsspec prints after a run.
public enum Console {
    /// One finished case: `pass  5.19  OK / OK  1003 ms`, with the reason when it failed.
    public static func line(for c: ReportedCase, passes: Bool, position: Int? = nil, total: Int? = nil) -> String {
        let mark = c.isHarnessProblem ? "ERROR" : c.isFlaky ? (passes ? "flaky" : "FLAKY") : passes ? "pass " : "FAIL "
        var text = ""
        if let position, let total {
            let width = String(total).count
            text += "[" + String(repeating: " ", count: max(0, width - String(position).count)) + "\(position)/\(total)] "
        }
        text += "\(mark) \(c.id.padding(toLength: 8, withPad: " ", startingAt: 0)) \(c.behavior) / \(c.behaviorClose)  \(c.duration) ms"
        if !passes { text += "  — \(why(c))" }
        return text
    }

    /// How many failing cases the summary explains in full.
    public static let maxExplained = 25

    /// The lines under a failing case: its explanation and the command that replays it.
    public static func explanation(_ c: ReportedCase, indent: String = "      ") -> [String] {
        if let explanation = c.explanation {
            return explanation.text(indent: indent, replay: c.replay).components(separatedBy: "\n")
        }
        return c.replay.map { [indent + "replay: " + $0] } ?? []
    }

    /// `flaky: FAILED / OK, then OK / OK` or `failed 3 times: FAILED / OK ×3`, for a case that was run again.
    public static func stability(_ c: ReportedCase) -> String? {
        guard let stability = c.stability else { return nil }
        return c.isFlaky ? "flaky: \(c.runsSummary)" : "\(stability) \(c.attempts.count) times: \(c.runsSummary)"
    }

    public static func why(_ c: ReportedCase) -> String {
        BaselineComparison.why(c)
    }

    /// The end-of-run summary: a table per category (per server when there are several), the
    /// failing cases with their result texts, the baseline comparison, where the reports are.
    public static func summary(
        _ cases: [ReportedCase], policy: PassPolicy, titles: [String: String], comparison: BaselineComparison?,
        seconds: Double, reports: String, htmlIndex: String?
    ) -> String {
        var lines: [String] = [""]
        let agents = Array(Set(cases.map(\.agent))).sorted()
        let header = ["category", "cases", "pass", "non-strict", "info", "fail", "unimpl", "error", "close!", "failing", "time"]
        for agent in agents {
            let mine = cases.filter { $0.agent == agent }
            if agents.count > 1 { lines.append("server \(agent):") }
            var categories: [String] = []
            for c in mine {
                let category = String(c.id.split(separator: ".").first ?? "")
                if !categories.contains(category) { categories.append(category) }
            }
            categories.sort { CaseIDOrder.precedes($0, $1) }
            var table = [header]
            func row(_ label: String, _ group: [ReportedCase]) -> [String] {
                func count(_ cls: ResultClass) -> String { String(group.filter { ResultClass(behavior: $0.behavior) == cls }.count) }
                let closeBad = group.filter { ![.ok, .informational].contains(CloseClass(behaviorClose: $0.behaviorClose)) }.count
                let ms = group.reduce(0) { $0 + $1.duration }
                return [
                    label, String(group.count), count(.pass), count(.nonStrict), count(.informational), count(.failed),
                    count(.unimplemented), count(.error), String(closeBad), String(group.filter { !policy.passes($0) }.count),
                    String(format: "%.1f s", Double(ms) / 1000),
                ]
            }
            for category in categories {
                let label = titles[category] ?? ReferenceCategories.titles[category]
                table.append(row(label.map { "\(category) \($0)" } ?? category, mine.filter { $0.id.split(separator: ".").first.map(String.init) == category }))
            }
            table.append(row("total", mine))
            lines += format(table)
        }
        let failing = cases.filter { !policy.passes($0) }
        if !failing.isEmpty {
            lines.append("")
            lines.append("failing cases (\(failing.count), policy \(policy.name)):")
            for (n, c) in failing.enumerated() {
                lines.append("  \(agents.count > 1 ? c.agent + " " : "")\(c.id): \(c.behavior) / \(c.behaviorClose) — \(why(c))"
                    + (stability(c).map { "  [\($0)]" } ?? ""))
                if n < maxExplained { lines += explanation(c) }
            }
            if failing.count > maxExplained {
                lines.append("  (the first \(maxExplained) are explained; every case's report explains its failure)")
            }
        }
        if let comparison {
            lines.append("")
            lines.append(
                "baseline: \(comparison.regressions.count) regression(s), \(comparison.improvements.count) improvement(s), "
                    + "\(comparison.knownFailures.count) known failure(s)")
            for change in comparison.regressions {
                lines.append("  REGRESSION \(change.caseID): \(change.expected?.description ?? "not in the baseline") → \(change.actual) — \(change.result)")
            }
            for change in comparison.improvements {
                lines.append("  improved   \(change.caseID): \(change.expected?.description ?? "?") → \(change.actual)")
            }
        }
        let flaky = cases.filter(\.isFlaky)
        let flakyPassing = flaky.filter { policy.passes($0) }
        if !flakyPassing.isEmpty {
            lines.append("")
            lines.append("flaky cases the policy lets pass (\(flakyPassing.count)):")
            for c in flakyPassing { lines.append("  \(agents.count > 1 ? c.agent + " " : "")\(c.id): [\(stability(c) ?? "flaky")]") }
        }
        let passed = cases.count - failing.count
        lines.append("")
        lines.append(
            "wsspec: \(cases.count) cases in \(String(format: "%.1f", seconds)) s; \(passed) passed, \(failing.count) failed"
                + (flaky.isEmpty ? "" : " (\(flaky.count) flaky)"))
        lines.append("reports: \(reports)/index.json" + (htmlIndex.map { ", \($0)" } ?? ""))
        return lines.joined(separator: "\n")
    }

    /// The same summary as one JSON document, for tools; `version` is wsspec's.
    public static func summaryJSON(
        _ cases: [ReportedCase], policy: PassPolicy, comparison: BaselineComparison?, seconds: Double, reports: String,
        htmlIndex: String?, exitCode: Int32, version: String
    ) -> String {
        let failing = cases.filter { !policy.passes($0) }
        var agents: [String: JSONValue] = [:]
        for agent in Set(cases.map(\.agent)) {
            let mine = cases.filter { $0.agent == agent }
            var behaviors: [String: JSONValue] = [:]
            var closes: [String: JSONValue] = [:]
            for c in mine {
                behaviors[c.behavior] = .int((behaviors[c.behavior]?.intValue ?? 0) + 1)
                closes[c.behaviorClose] = .int((closes[c.behaviorClose]?.intValue ?? 0) + 1)
            }
            agents[agent] = .object([
                "cases": .int(mine.count), "behavior": .object(behaviors), "behaviorClose": .object(closes),
                "failed": .int(mine.filter { !policy.passes($0) }.count),
                "durationMs": .int(mine.reduce(0) { $0 + $1.duration }),
            ])
        }
        func caseJSON(_ c: ReportedCase) -> JSONValue {
            var members: [String: JSONValue] = [
                "agent": .string(c.agent), "case": .string(c.id), "behavior": .string(c.behavior),
                "behaviorClose": .string(c.behaviorClose), "result": .string(c.result), "resultClose": .string(c.resultClose),
            ]
            if let harness = c.harnessError { members["harnessError"] = .string(harness) }
            if let explanation = c.explanation { members["explanation"] = explanation.json() }
            if let replay = c.replay { members["replay"] = .string(replay) }
            if let stability = c.stability {
                members["stability"] = .string(stability)
                members["attempts"] = .array(c.attempts.map {
                    .object([
                        "behavior": .string($0.behavior), "behaviorClose": .string($0.behaviorClose), "result": .string($0.result),
                        "duration": .int($0.duration),
                    ])
                })
            }
            return .object(members)
        }
        func changeJSON(_ change: BaselineComparison.Change) -> JSONValue {
            .object([
                "agent": .string(change.agent), "case": .string(change.caseID),
                "expected": change.expected.map { .array([.string($0.behavior), .string($0.behaviorClose)]) } ?? .null,
                "actual": .array([.string(change.actual.behavior), .string(change.actual.behaviorClose)]),
                "result": .string(change.result),
            ])
        }
        var document: [String: JSONValue] = [
            "wsspec": .string(version),
            "policy": .string(policy.name),
            "cases": .int(cases.count),
            "passed": .int(cases.count - failing.count),
            "failed": .int(failing.count),
            "seconds": .double((seconds * 1000).rounded() / 1000),
            "agents": .object(agents),
            "failures": .array(failing.map(caseJSON)),
            "flaky": .array(cases.filter(\.isFlaky).map(caseJSON)),
            "reports": .string(reports),
            "exitCode": .int(Int(exitCode)),
        ]
        if let htmlIndex { document["html"] = .string(htmlIndex) }
        if let comparison {
            document["baseline"] = .object([
                "regressions": .array(comparison.regressions.map(changeJSON)),
                "improvements": .array(comparison.improvements.map(changeJSON)),
                "knownFailures": .array(comparison.knownFailures.map(changeJSON)),
            ])
        }
        return ReferenceJSON.serialize(.object(document))
    }

    /// Columns padded to their widest cell; numbers right-aligned.
    private static func format(_ table: [[String]]) -> [String] {
        guard let first = table.first else { return [] }
        let widths = (0..<first.count).map { column in table.map { $0[column].count }.max() ?? 0 }
        return table.map { row in
            row.enumerated().map { column, cell in
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                return column == 0 ? cell + pad : pad + cell
            }.joined(separator: "  ")
        }
    }
}
