import Foundation
import Engine
import Harness
import Gating
import JSONCodec
import Recording
import Rendering
import ReportFormat

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Progress while a run goes on: on a terminal one live line (cases done/total, failures so far,
/// the case running now) with failures printed above it as they happen; on CI (no terminal, or
/// `CI` set) one plain line per finished case.
final class Progress: @unchecked Sendable {
    enum Mode { case live, lines, quiet }

    /// Cases start from several tasks with --jobs; every change of the counters and the line is under it.
    private let lock = NSLock()

    let mode: Mode
    let total: Int
    let policy: PassPolicy
    private let output: FileHandle
    private var done = 0
    private var failed = 0

    init(total: Int, policy: PassPolicy, quiet: Bool, toStandardError: Bool) {
        self.total = total
        self.policy = policy
        self.output = toStandardError ? .standardError : .standardOutput
        let descriptor = toStandardError ? STDERR_FILENO : STDOUT_FILENO
        if quiet {
            mode = .quiet
        } else if Self.onCI || isatty(descriptor) == 0 {
            mode = .lines
        } else {
            mode = .live
        }
    }

    /// `CI` set to anything but empty, `0` or `false`.
    static var onCI: Bool {
        guard let value = ProcessInfo.processInfo.environment["CI"] else { return false }
        return !["", "0", "false"].contains(value.lowercased())
    }

    func say(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        guard mode != .quiet else { return }
        clearLive()
        output.write(Data((text + "\n").utf8))
    }

    /// `agent` is shown when the run has several servers.
    func starting(_ caseID: String, agent: String?) {
        lock.lock()
        defer { lock.unlock() }
        guard mode == .live else { return }
        drawLive(current: caseID + (agent.map { " (\($0))" } ?? ""))
    }

    func finished(_ record: CaseRecord) {
        lock.lock()
        defer { lock.unlock() }
        done += 1
        let reported = ReportedCase(record)
        let passes = policy.passes(reported)
        if !passes { failed += 1 }
        switch mode {
        case .quiet: return
        case .lines: write(Console.line(for: reported, passes: passes, position: done, total: total) + "\n")
        case .live:
            if !passes {
                clearLive()
                write(Console.line(for: reported, passes: passes, position: done, total: total) + "\n")
            }
            drawLive(current: nil)
        }
    }

    func end() {
        lock.lock()
        defer { lock.unlock() }
        clearLive()
    }

    private func drawLive(current: String?) {
        var text = "[\(done)/\(total)] \(failed) failed"
        if let current { text += " · running \(current)" }
        let columns = Self.terminalColumns
        if text.count > columns - 1 { text = String(text.prefix(columns - 2)) + "…" }
        write("\r\u{1B}[2K" + text)
    }

    private func clearLive() {
        if mode == .live { write("\r\u{1B}[2K") }
    }

    private func write(_ text: String) {
        output.write(Data(text.utf8))
    }

    private static var terminalColumns: Int {
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 10 { return Int(size.ws_col) }
        return 80
    }
}

/// What wsspec prints after a run.
enum Console {
    /// One finished case: `pass  5.19  OK / OK  1003 ms`, with the reason when it failed.
    static func line(for c: ReportedCase, passes: Bool, position: Int? = nil, total: Int? = nil) -> String {
        let mark = c.isHarnessProblem ? "ERROR" : passes ? "pass " : "FAIL "
        var text = ""
        if let position, let total {
            let width = String(total).count
            text += "[" + String(repeating: " ", count: max(0, width - String(position).count)) + "\(position)/\(total)] "
        }
        text += "\(mark) \(c.id.padding(toLength: 8, withPad: " ", startingAt: 0)) \(c.behavior) / \(c.behaviorClose)  \(c.duration) ms"
        if !passes { text += "  — \(why(c))" }
        return text
    }

    static func why(_ c: ReportedCase) -> String {
        BaselineComparison.why(c)
    }

    /// The end-of-run summary: a table per category (per server when there are several), the
    /// failing cases with their result texts, the baseline comparison, where the reports are.
    static func summary(
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
                let label = titles[category] ?? HTMLReport.referenceCategoryTitles[category]
                table.append(row(label.map { "\(category) \($0)" } ?? category, mine.filter { $0.id.split(separator: ".").first.map(String.init) == category }))
            }
            table.append(row("total", mine))
            lines += format(table)
        }
        let failing = cases.filter { !policy.passes($0) }
        if !failing.isEmpty {
            lines.append("")
            lines.append("failing cases (\(failing.count), policy \(policy.name)):")
            for c in failing {
                lines.append("  \(agents.count > 1 ? c.agent + " " : "")\(c.id): \(c.behavior) / \(c.behaviorClose) — \(why(c))")
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
        let passed = cases.count - failing.count
        lines.append("")
        lines.append("wsspec: \(cases.count) cases in \(String(format: "%.1f", seconds)) s; \(passed) passed, \(failing.count) failed")
        lines.append("reports: \(reports)/index.json" + (htmlIndex.map { ", \($0)" } ?? ""))
        return lines.joined(separator: "\n")
    }

    /// The same summary as one JSON document, for tools.
    static func summaryJSON(
        _ cases: [ReportedCase], policy: PassPolicy, comparison: BaselineComparison?, seconds: Double, reports: String,
        htmlIndex: String?, exitCode: Int32
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
            "wsspec": .string(WSSpecVersion.current),
            "policy": .string(policy.name),
            "cases": .int(cases.count),
            "passed": .int(cases.count - failing.count),
            "failed": .int(failing.count),
            "seconds": .double((seconds * 1000).rounded() / 1000),
            "agents": .object(agents),
            "failures": .array(failing.map(caseJSON)),
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
