import Fuzzer
import Reports

/// What wsspec prints while and after running.
enum Console {
    static func passes(_ record: CaseRecord) -> Bool {
        [Outcome.ok, Outcome.nonStrict, Outcome.informational].contains(record.behavior)
            && [Outcome.ok, Outcome.informational].contains(record.behaviorClose)
    }

    static func line(for record: CaseRecord) -> String {
        let mark = passes(record) ? "pass" : "FAIL"
        var text = "\(mark)  \(record.caseID.padding(toLength: 8, withPad: " ", startingAt: 0)) \(record.behavior) / \(record.behaviorClose)  \(record.durationMilliseconds) ms"
        if !passes(record) { text += "  — \(passesDetail(record))" }
        return text
    }

    private static func passesDetail(_ record: CaseRecord) -> String {
        record.harnessError ?? ([Outcome.ok, Outcome.nonStrict, Outcome.informational].contains(record.behavior)
            ? record.resultClose : record.result)
    }

    static func summary(_ records: [CaseRecord], seconds: Double, outdir: String) -> String {
        var counts: [String: Int] = [:]
        for r in records { counts["\(r.behavior) / \(r.behaviorClose)", default: 0] += 1 }
        let failed = records.filter { !passes($0) }
        var lines = ["", "wsspec: \(records.count) cases in \(String(format: "%.1f", seconds)) s; \(records.count - failed.count) passed, \(failed.count) failed"]
        for key in counts.keys.sorted() { lines.append("  \(counts[key]!)\t\(key)") }
        if !failed.isEmpty {
            lines.append("failed cases:")
            for r in failed { lines.append("  \(r.caseID): \(r.behavior) / \(r.behaviorClose) — \(passesDetail(r))") }
        }
        lines.append("reports: \(outdir)/index.json")
        return lines.joined(separator: "\n")
    }
}

import Foundation
