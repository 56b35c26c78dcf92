import ArgumentParser
import CaseModel
import Engine
import NIOCore
import Foundation
import Fuzzing
import Harness
import NIOPosix
import Orchestration
import Recording
import Rendering
import ReportFormat
import Testee

struct FuzzCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fuzz",
        abstract: "Send random sequences of frames to a server, judge them by RFC 6455, and shrink what fails into case files.",
        discussion: """
            Every sequence is a pure function of --seed and its number: frames valid and invalid, fragments with \
            control frames between them, pings, closes, chopped and synced writes, pauses. An oracle built from the \
            RFC's rules says what an echo server must do with it; after each sequence a fresh connection checks the \
            server is still alive. A sequence that fails is run again and shrunk while a smaller one still fails the \
            same way, and written to --findings as a case file: `wsspec run URL --case-dir DIR --suite fuzz` replays \
            it. Exit code 1 when anything was found.
            """)

    @Argument(help: "The server's URL, e.g. ws://127.0.0.1:9001 (default: wsspec's built-in echo server).")
    var url: String?

    @Option(name: .long, help: "Seed of the sequences (printed when not given).")
    var seed: UInt64?

    @Option(name: .long, help: "How many sequences (default 100 unless --time is given).")
    var runs: Int?

    @Option(name: .long, help: ArgumentHelp("How long to generate sequences: seconds, or with s, m, h (60s, 5m).", valueName: "DURATION"))
    var time: String?

    @Option(name: .long, help: "Sequences at once, each on its own connection (default 1).")
    var jobs = 1

    @Option(name: .long, help: "Folder for the shrunk findings' case files (default ./reports/fuzz/findings).")
    var findings = "./reports/fuzz/findings"

    @Option(name: .long, help: "Folder for the JSON and HTML reports of the shrunk findings (default ./reports/fuzz).")
    var outdir = "./reports/fuzz"

    @Option(name: .long, help: "Seconds a sequence waits for the server before wsspec closes or fails the connection (default 1).")
    var wait = 1.0

    @Option(name: .customLong("max-shrink-runs"), help: "Runs the shrinking of one finding may take at most (default 250).")
    var maxShrinkRuns = 250

    @Option(
        name: .customLong("revive-timeout"),
        help: "Seconds to wait for a server that went down to come back (a supervisor restarting it) before the run stops (default 5).")
    var reviveTimeout = 5.0

    @Option(name: .customLong("max-findings"), help: "Stop generating once this many sequences have shown a finding.")
    var maxFindings: Int?

    @Option(name: .long, help: "Agent name used in reports (default: the server's Server header).")
    var agent: String?

    @OptionGroup(title: "Handshake, timeouts and TLS") var connection: ConnectionOptions

    @Flag(name: .customLong("no-html"), help: "Do not write the HTML report of the findings.")
    var noHTML = false

    @Flag(name: .long, help: "Print nothing while running but the summary.")
    var quiet = false

    func validate() throws {
        if runs != nil && time != nil { throw ValidationError("give --runs or --time, not both") }
        if let runs, runs < 1 { throw ValidationError("--runs must be at least 1, got \(runs)") }
        if let time { _ = try Self.seconds(time) }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1, got \(jobs)") }
        guard wait > 0 else { throw ValidationError("--wait must be more than 0 seconds, got \(wait)") }
        guard maxShrinkRuns >= 0 else { throw ValidationError("--max-shrink-runs must be 0 or more, got \(maxShrinkRuns)") }
    }

    /// `60`, `60s`, `5m`, `1h` in seconds.
    static func seconds(_ text: String) throws -> Double {
        var digits = Substring(text.trimmingCharacters(in: .whitespaces))
        var scale = 1.0
        if let last = digits.last, let factor = ["s": 1.0, "m": 60.0, "h": 3600.0][String(last)] {
            scale = factor
            digits = digits.dropLast()
        }
        guard let n = Double(digits), n > 0, n.isFinite else {
            throw ValidationError("--time: '\(text)' is not a duration (seconds, or a number with s, m or h)")
        }
        return n * scale
    }

    func run() async throws {
        let overrides = connection.overrides
        let group = MultiThreadedEventLoopGroup(numberOfThreads: jobs > 1 ? max(1, System.coreCount) : 1)
        var echo: EchoServer?
        func stop() async {
            try? await echo?.stop()
            try? await group.shutdownGracefully()
        }
        var target: ServerTarget
        var settings = RunSettings(seed: seed ?? UInt64.random(in: 0...UInt64(UInt32.max)))
        do {
            if let url {
                target = try ServerTarget(url: url, agent: agent)
            } else {
                var configuration = EchoServerConfiguration()
                configuration.port = 0
                let server = try await EchoServer.start(configuration, group: group)
                echo = server
                target = try ServerTarget(url: "ws://127.0.0.1:\(server.port)", agent: agent)
            }
            try overrides.apply(to: &target)
            try overrides.apply(to: &settings)
        } catch let error as ServerTarget.InvalidURL {
            await stop()
            throw UsageError("\(error)")
        } catch let problem as RunProblem {
            await stop()
            throw UsageError(problem.description)
        }
        let writer: ReportWriter
        do {
            try FileManager.default.createDirectory(atPath: findings, withIntermediateDirectories: true)
            writer = try ReportWriter(directory: URL(fileURLWithPath: outdir))
            try writer.writeIndex()
        } catch {
            await stop()
            throw UsageError("cannot use the output folders: \(error)")
        }
        var options = FuzzOptions(seed: settings.seed)
        if let time { options.duration = try Self.seconds(time) } else { options.runs = runs ?? 100 }
        options.jobs = jobs
        options.wait = wait
        options.maxShrinkRuns = maxShrinkRuns
        options.reviveTimeout = reviveTimeout
        options.maxFindings = maxFindings
        let fuzzer = Fuzzer(runner: CaseRunner(group: group, settings: settings), server: target, options: options)
        let limit = options.runs.map { "\($0) sequences" } ?? "\(time!)"
        say("wsspec fuzz: \(target.url), seed \(options.seed), \(limit), \(jobs) at once; findings in \(findings)")

        let interruption = Interruption.install()
        let live = !quiet && isatty(2) == 1 && ProcessInfo.processInfo.environment["CI"] == nil
        let total = options.runs
        var events = Fuzzer.Events()
        events.shouldStop = { interruption.signal != nil }
        let quiet = quiet
        events.ran = { done, found in
            guard !quiet else { return }
            let of = total.map { "/" + String($0) } ?? ""
            let line = "fuzz: \(done)\(of) sequences, \(found) with findings"
            if live {
                FileHandle.standardError.write(Data(("\r" + line + "\u{1B}[K").utf8))
            } else if done % 50 == 0 || done == total {
                FileHandle.standardError.write(Data((line + "\n").utf8))
            }
        }
        events.shrinking = { kind, steps, runs in
            guard !quiet else { return }
            let line = "fuzz: shrinking a \(kind.title) finding: \(steps) steps after \(runs) runs"
            FileHandle.standardError.write(Data(((live ? "\r" : "") + line + (live ? "\u{1B}[K" : "\n")).utf8))
        }
        let started = Date()
        let result = await fuzzer.run(events)
        if live { FileHandle.standardError.write(Data("\n".utf8)) }
        await stop()

        var records: [CaseRecord] = []
        var number = Self.nextCaseNumber(in: findings)
        var lines: [String] = []
        for finding in result.findings {
            let id = CaseID("90.\(number)")!
            number += 1
            let before = Shrinker.size(finding.original)
            let after = Shrinker.size(finding.shrunk)
            var description = "Found by wsspec fuzz (seed \(options.seed), sequence \(finding.index + 1)): \(finding.findingClass.title)."
            if finding.reproduced {
                description += " Shrunk from \(before.steps) steps (\(before.octets) octets, \(before.chops) chopped)"
                description += " to \(after.steps) (\(after.octets) octets, \(after.chops) chopped) in \(finding.shrinkRuns) runs."
            } else {
                description += " It did not show again when run alone, so it is not shrunk."
            }
            let definition = FuzzCase.definition(
                finding.trial.oracle, world: finding.trial.world, wait: wait, id: id, description: description, rule: finding.rule)
            let file = URL(fileURLWithPath: findings).appendingPathComponent(
                "finding-\(id.components[1])-\(finding.findingClass.rawValue).yaml")
            let text = CaseFileWriter.file(
                [definition],
                comment: [
                    "wsspec fuzz finding: \(finding.findingClass.title), \(finding.rule.clause)",
                    "server \(target.url), seed \(options.seed), sequence \(finding.index + 1), \(finding.occurrences) sequence(s) of the run showed it",
                    "replay: wsspec run \(target.url) --case-dir \(findings) --suite fuzz --cases \(id)",
                ])
            do {
                try Data(text.utf8).write(to: file, options: .atomic)
            } catch {
                printError("cannot write \(file.path): \(error)")
            }
            var record = finding.trial.record
            if let recording = finding.trial.recording, record.harnessError == nil {
                record = CaseRunner.record(definition, recording, ordinal: number - 1, agent: target.agent)
            }
            records.append(record)
            do { try writer.write(record) } catch { printError("cannot write the report of \(id): \(error)") }
            lines.append("  \(id) \(finding.findingClass.title) — \(finding.rule.clause): \(finding.rule.requirement)")
            lines.append("      \(after.steps) steps\(finding.reproduced ? "" : " (not reproduced alone)") → \(file.path)")
            for step in definition.steps { lines.append("        " + CaseFileWriter.stepText(step)) }
        }
        if !noHTML && !records.isEmpty {
            let report = HTMLReport(
                cases: records.map(ReportedCase.init), groupTitles: [FuzzCase.category.id: FuzzCase.category.title],
                generator: "wsspec \(WSSpecVersion.current)")
            do { _ = try report.write(to: writer.directory) } catch { printError("cannot write the HTML report: \(error)") }
        }
        let seconds = Date().timeIntervalSince(started)
        print("wsspec fuzz: \(result.sequences) sequences in \(String(format: "%.1f", seconds)) s, seed \(options.seed)")
        if result.offeredDeflate > 0 {
            print("permessage-deflate: offered in \(result.offeredDeflate), negotiated in \(result.negotiatedDeflate)")
        }
        if result.counts.isEmpty {
            print("nothing found")
        } else {
            print("sequences with findings, by class:")
            for kind in FindingClass.allCases {
                if let n = result.counts[kind] { print("  \(kind.title): \(n)") }
            }
            print("shrunk findings (one per class and clause):")
            for line in lines { print(line) }
            print("reports in \(outdir)")
        }
        if let why = result.stoppedBecause { printError("wsspec fuzz stopped: \(why)") }
        if let code = interruption.exitCode { throw ExitCode(code) }
        if !result.counts.isEmpty { throw ExitCode(1) }
    }

    private func say(_ text: String) {
        if !quiet { FileHandle.standardError.write(Data((text + "\n").utf8)) }
    }

    /// The next free N of `90.N` among the case files already in `folder`.
    static func nextCaseNumber(in folder: String) -> Int {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        var highest = 0
        for name in files where name.hasSuffix(".yaml") {
            guard let text = try? String(contentsOfFile: (folder as NSString).appendingPathComponent(name), encoding: .utf8) else { continue }
            for line in text.split(separator: "\n") {
                guard let range = line.range(of: "id: \"90.") else { continue }
                let digits = line[range.upperBound...].prefix { $0.isNumber }
                highest = max(highest, Int(digits) ?? 0)
            }
        }
        return highest + 1
    }
}
