import JSONCodec
import ReportFormat
import Recording
import Foundation

/// JUnit XML for CI systems: one `<testsuite>` per category (and agent), one `<testcase>` per case.
///
/// A server that misbehaves gives a `<failure>`; a case wsspec could not run (cannot connect, TLS
/// failure, a problem of its own — behaviour `ERROR`) gives an `<error>`, never a failure. With a
/// baseline, a failure the baseline expects is `<skipped>` with the reason, so the CI view shows it
/// without failing.
public enum JUnitReport {
    /// The XML document.
    /// - Parameters:
    ///   - cases: the run's cases, in run order.
    ///   - categoryTitle: the title of a category (`"5"` → `"Fragmentation"`), if known.
    ///   - policy: which outcomes pass.
    ///   - baseline: expected outcomes; failures it expects are reported as skipped.
    public static func xml(
        cases: [ReportedCase], categoryTitle: (String) -> String?, policy: PassPolicy, baseline: Baseline? = nil
    ) -> String {
        struct Suite {
            var name: String
            var agent: String
            var cases: [ReportedCase] = []
        }
        var suites: [Suite] = []
        var position: [String: Int] = [:]
        let agentCount = Set(cases.map(\.agent)).count
        for c in cases {
            let category = String(c.id.split(separator: ".").first ?? "")
            let key = c.agent + "\u{0}" + category
            if position[key] == nil {
                position[key] = suites.count
                let title = categoryTitle(category).map { "\(category) \($0)" } ?? category
                suites.append(Suite(name: agentCount > 1 ? "\(c.agent): \(title)" : title, agent: c.agent))
            }
            suites[position[key]!].cases.append(c)
        }
        var body: [String] = []
        var total = (tests: 0, failures: 0, errors: 0, skipped: 0, time: 0)
        for suite in suites {
            var lines: [String] = []
            var counts = (failures: 0, errors: 0, skipped: 0, time: 0)
            for c in suite.cases {
                counts.time += c.duration
                let name = c.id
                let classname = "wsspec." + ReportFileName.agentSlug(c.agent)
                var open = "    <testcase name=\"\(escape(name))\" classname=\"\(escape(classname))\" time=\"\(seconds(c.duration))\""
                let verdict = "\(c.behavior) / \(c.behaviorClose)"
                if c.isHarnessProblem {
                    counts.errors += 1
                    open += ">"
                    lines.append(open)
                    lines.append(
                        "      <error message=\"\(escape(c.harnessError ?? c.result))\" type=\"\(escape(verdict))\">"
                            + escape(detail(c)) + "</error>")
                    lines.append("    </testcase>")
                } else if !policy.passes(c) {
                    open += ">"
                    lines.append(open)
                    let expected = baseline?.outcomes(for: c.agent)?[c.id]
                    if let expected, expected == Baseline.Outcome(behavior: c.behavior, behaviorClose: c.behaviorClose) {
                        counts.skipped += 1
                        lines.append("      <skipped message=\"\(escape("known failure (baseline): \(verdict)"))\"/>")
                    } else {
                        counts.failures += 1
                        let flaky = c.isFlaky ? "FLAKY " : ""
                        lines.append(
                            "      <failure message=\"\(escape(flaky + verdict + ": " + BaselineComparison.why(c)))\" type=\"\(escape(flaky + verdict))\">"
                                + escape(detail(c)) + "</failure>")
                    }
                    lines.append("    </testcase>")
                } else if c.isFlaky {
                    lines.append(open + ">")
                    lines.append("      <system-out>\(escape(stabilityText(c)))</system-out>")
                    lines.append("    </testcase>")
                } else {
                    lines.append(open + "/>")
                }
            }
            body.append(
                "  <testsuite name=\"\(escape(suite.name))\" tests=\"\(suite.cases.count)\" failures=\"\(counts.failures)\" "
                    + "errors=\"\(counts.errors)\" skipped=\"\(counts.skipped)\" time=\"\(seconds(counts.time))\">")
            body.append(contentsOf: lines)
            body.append("  </testsuite>")
            total.tests += suite.cases.count
            total.failures += counts.failures
            total.errors += counts.errors
            total.skipped += counts.skipped
            total.time += counts.time
        }
        let head = [
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
            "<testsuites name=\"wsspec\" tests=\"\(total.tests)\" failures=\"\(total.failures)\" errors=\"\(total.errors)\" "
                + "skipped=\"\(total.skipped)\" time=\"\(seconds(total.time))\">",
        ]
        return (head + body + ["</testsuites>"]).joined(separator: "\n") + "\n"
    }

    /// The body of a failure: what was tested, what happened.
    private static func detail(_ c: ReportedCase) -> String {
        var parts = [
            "agent: \(c.agent)",
            "case \(c.id): \(c.description)",
            "expectation: \(c.expectation)",
            "behavior: \(c.behavior) — \(c.result)",
            "behaviorClose: \(c.behaviorClose) — \(c.resultClose)",
        ]
        if let harness = c.harnessError { parts.append("harness problem: \(harness)") }
        if c.stability != nil { parts.append(stabilityText(c)) }
        if let explanation = c.explanation { parts.append(explanation.text(replay: c.replay)) }
        else if let replay = c.replay { parts.append("replay: \(replay)") }
        return parts.joined(separator: "\n")
    }

    /// `flaky: FAILED / OK, then OK / OK`.
    private static func stabilityText(_ c: ReportedCase) -> String {
        "\(c.stability ?? ""): " + c.runsSummary
    }

    private static func seconds(_ milliseconds: Int) -> String {
        String(format: "%.3f", Double(milliseconds) / 1000)
    }

    /// XML-escaped text, safe in content and in quoted attributes. Characters XML 1.0 cannot hold
    /// at all (C0 controls other than tab, line feed, carriage return; U+FFFE, U+FFFF) are written
    /// as visible `\xNN` / `\uNNNN` text.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t": out += "&#9;"
            case "\n": out += "&#10;"
            case "\r": out += "&#13;"
            default:
                if scalar.value < 0x20 {
                    out += "\\x" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
                } else if scalar.value == 0xFFFE || scalar.value == 0xFFFF {
                    out += "\\u" + String(scalar.value, radix: 16)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}
