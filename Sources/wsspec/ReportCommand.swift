import ArgumentParser
import Foundation
import Engine
import Harness
import Gating
import JSONCodec
import Recording
import Rendering
import ReportFormat

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Rebuild the HTML report from the JSON reports of one or more runs.",
        discussion: """
            `wsspec report DIR` reads the index.json and per-case JSON files in DIR (wsspec's or the \
            reference's) and writes index.html and a page per case into DIR. With --merge, the runs in \
            several folders (other servers, other machines) become one matrix in --outdir, with a merged \
            index.json and copies of the per-case JSON. The gate options (--pass, --expect, --junit, \
            --format) work as with `run`, so a saved run can be judged again.
            """)

    @Argument(help: "Folders holding index.json and the per-case JSON files.")
    var directories: [String]

    @Flag(name: .long, help: "Merge the runs of several folders into one report (needs --outdir).")
    var merge = false

    @Option(name: .long, help: "Where to write the report (default: the folder read, when there is one).")
    var outdir: String?

    @OptionGroup var caseOptions: CaseOptions
    @OptionGroup var gate: GateOptions

    func validate() throws {
        if directories.isEmpty { throw ValidationError("give the folder of a run") }
        if directories.count > 1 && !merge { throw ValidationError("several folders need --merge") }
        if merge && outdir == nil { throw ValidationError("--merge needs --outdir") }
    }

    func run() async throws {
        let started = Date()
        var cases: [ReportedCase] = []
        for directory in directories {
            do {
                cases += try ReportDirectory.load(URL(fileURLWithPath: directory))
            } catch let error as ReportedCaseError {
                throw UsageError(error.description)
            }
        }
        let titles = (try? caseOptions.loadSuite().groupTitles) ?? [:]
        let gateRun = try gate.makeGate(groupTitles: titles)
        let target = URL(fileURLWithPath: outdir ?? directories[0])
        let report = HTMLReport(
            cases: cases, groupTitles: titles, policy: gateRun.policy, generator: "wsspec \(WSSpecVersion.current)")
        do {
            if merge || outdir != nil {
                try copyJSON(report.cases, to: target)
            }
            try report.write(to: target)
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
        let index = target.appendingPathComponent("index.html").path
        if gate.format == .text {
            FileHandle.standardError.write(Data("wsspec: \(report.cases.count) case reports of \(report.agents.count) server(s) → \(index)\n".utf8))
        }
        let code = try gate.finish(
            gateRun, report.cases, seconds: Date().timeIntervalSince(started), reports: target.path, htmlIndex: index)
        if code != 0 { throw ExitCode(code) }
    }

    /// Writes the per-case JSON files and a merged index.json into `directory`, so the merged
    /// report is complete on its own.
    private func copyJSON(_ cases: [ReportedCase], to directory: URL) throws {
        let writer = try ReportWriter(directory: directory)
        for c in cases {
            try writer.writeReport(c.json, fileName: ReportFileName.caseFile(agent: c.agent, caseID: c.id, ext: "json"),
                                   agent: c.agent, caseID: c.id,
                                   entry: c.indexEntry(reportfile: ReportFileName.caseFile(agent: c.agent, caseID: c.id, ext: "json")))
        }
    }
}
