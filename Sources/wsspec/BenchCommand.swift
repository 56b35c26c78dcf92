import ArgumentParser
import CaseModel
import Foundation
import Engine
import Harness
import NIOCore
import NIOPosix
import Gating
import JSONCodec
import Recording
import Rendering
import ReportFormat
import WebSocketWire

/// Prints how fast wsspec's own data path is, so that a run measures the server and not the fuzzer.
///
/// Figures, not assertions: the throughput of masking, UTF-8 validation and frame parsing on one core, then
/// the CPU time and peak memory wsspec spends on a selection of cases (category 9 by default) against a
/// server — its own echo server in a separate process unless `--server` names another.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure wsspec's data path: masking, UTF-8, parsing, and a run of category 9.")

    @Option(help: "Run the cases against this server instead of a `wsspec echo` child process.")
    var server: String?

    @Option(help: "The cases to run (comma-separated IDs or patterns).")
    var cases: [String] = ["9.*"]

    @Option(help: "Seconds each micro-benchmark runs for.")
    var seconds = 1.0

    @Flag(help: "Only the micro-benchmarks.") var microOnly = false
    @Flag(help: "Only the run of the cases.") var runOnly = false

    @Option(name: .customLong("builtin-cases"), help: .hidden)
    var builtinCases: String?

    func validate() throws {
        guard seconds > 0 else { throw ValidationError("--seconds must be positive") }
        guard !(microOnly && runOnly) else { throw ValidationError("--micro-only and --run-only exclude each other") }
    }

    func run() async throws {
        // The run comes first: the peak resident memory of the process is then that of the run alone.
        if !microOnly { try await runCases() }
        if !runOnly { micro() }
    }

    // MARK: - The cases

    private func runCases() async throws {
        let suite: CaseSuite
        do {
            suite = try BuiltinCases.source(override: builtinCases).suite()
        } catch let error as CaseLoadError {
            throw UsageError("the case files have problems:\n" + error.description)
        }
        let selected: [CaseDefinition]
        do {
            selected = try CaseSelection(include: CaseSelection.patterns(cases)).select(from: suite)
        } catch let problem as CaseSelection.Problem {
            throw UsageError(problem.description)
        }
        var child: EchoChild?
        let url: String
        if let server {
            url = server
        } else {
            let echo = try EchoChild.start()
            child = echo
            url = "ws://127.0.0.1:\(echo.port)"
        }
        defer { child?.stop() }
        let target: ServerTarget
        do {
            target = try ServerTarget(url: url, agent: nil)
        } catch {
            throw UsageError("\(error)")
        }

        print("run: \(selected.count) cases against \(server ?? "wsspec echo (a separate process)") — \(url)")
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let runner = CaseRunner(group: group, settings: RunSettings(seed: 1))
        let before = ResourceUsage.now()
        let clock = ContinuousClock()
        let start = clock.now
        var outcomes: [String: Int] = [:]
        var durations = 0
        for definition in selected {
            let record = await runner.run(definition, ordinal: suite.ordinal(of: definition.id) ?? 0, server: target)
            let fields = record.outcome.reportFields
            outcomes["\(fields.behavior) / \(fields.behaviorClose)", default: 0] += 1
            durations += record.recording.durationMilliseconds
        }
        let wall = clock.now - start
        let after = ResourceUsage.now()
        try await group.shutdownGracefully()

        let cpu = after.cpuSeconds - before.cpuSeconds
        print(String(format: "  wall time            %8.2f s", wall.seconds))
        print(String(format: "  sum of case durations%8.2f s", Double(durations) / 1000))
        print(String(format: "  wsspec CPU time      %8.2f s  (user %.2f s, system %.2f s)", cpu,
                     after.userSeconds - before.userSeconds, after.systemSeconds - before.systemSeconds))
        print(String(format: "  wsspec peak RSS      %8.1f MB", Double(after.peakResidentBytes) / 1e6))
        for (outcome, count) in outcomes.sorted(by: { $0.key < $1.key }) { print("  \(count)\t\(outcome)") }
    }

    // MARK: - Micro-benchmarks

    private func micro() {
        let mib = 1 << 20
        print("micro-benchmarks (one core, \(seconds) s each):")

        var block = [UInt8](repeating: 0x2a, count: 16 * mib)
        let key = MaskKey(0x12, 0x34, 0x56, 0x78)
        report("masking, 16 MiB buffer", bytes: block.count) {
            block.withUnsafeMutableBytes { key.apply(to: $0, offset: 1) }
        }

        let ascii = [UInt8](repeating: 0x61, count: 16 * mib)
        report("UTF-8 validation, ASCII", bytes: ascii.count) {
            var validator = UTF8Validator()
            _ = ascii.withUnsafeBytes { validator.validate($0) }
        }
        let mixed = FrameEncoder.repeated(Array("Hello-µ@ßöäüàá κόσμε 中文 😀 ".utf8), toLength: 16 * mib - 13)
        report("UTF-8 validation, mixed multi-byte", bytes: mixed.count) {
            var validator = UTF8Validator()
            _ = mixed.withUnsafeBytes { validator.validate($0) }
        }

        for size in [mib, 16 * mib] {
            let header = FrameHeader(fin: true, rsv: 0, opcode: .binary, maskKey: nil, payloadLength: UInt64(size))
            var frame = ByteBuffer()
            FrameEncoder.encode(header, pattern: [0xfe], repeatedTo: size, into: &frame)
            // As the network delivers it: reads of 64 KiB.
            let reads = stride(from: 0, to: frame.readableBytes, by: 65536).map {
                frame.getSlice(at: $0, length: min(65536, frame.readableBytes - $0))!
            }
            report("frame parsing, \(size / mib) MiB frame in 64 KiB reads", bytes: frame.readableBytes) {
                var parser = FrameParser()
                var payload = 0
                for read in reads {
                    parser.append(read)
                    while let event = parser.next() {
                        if case .payload(let chunk) = event { payload += chunk.readableBytes }
                    }
                }
                precondition(payload == size)
            }
        }
    }

    /// Runs `body` repeatedly for about `seconds` and prints its throughput.
    private func report(_ name: String, bytes: Int, _ body: () -> Void) {
        let clock = ContinuousClock()
        body()  // warm-up
        var rounds = 0
        let start = clock.now
        var elapsed = Duration.zero
        repeat {
            body()
            rounds += 1
            elapsed = clock.now - start
        } while elapsed.seconds < seconds
        let rate = Double(bytes) * Double(rounds) / elapsed.seconds / 1e9
        print("  \(name.padding(toLength: 44, withPad: " ", startingAt: 0)) \(String(format: "%7.2f", rate)) GB/s")
    }
}

extension Duration {
    var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) / 1e18
    }
}

/// The process's CPU time and peak resident memory.
struct ResourceUsage {
    var userSeconds: Double
    var systemSeconds: Double
    var peakResidentBytes: Int
    var cpuSeconds: Double { userSeconds + systemSeconds }

    static func now() -> ResourceUsage {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let seconds = { (t: timeval) in Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        // Linux reports ru_maxrss in kilobytes.
        return ResourceUsage(
            userSeconds: seconds(usage.ru_utime), systemSeconds: seconds(usage.ru_stime),
            peakResidentBytes: usage.ru_maxrss * 1024)
    }
}

/// `wsspec echo` in a child process, so that its work is not counted as wsspec's.
struct EchoChild {
    let process: Process
    let port: Int

    static func start() throws -> EchoChild {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = ["echo", "--port", "0"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let colon = text.lastIndex(of: ":"),
            let port = Int(text[text.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines))
        else {
            kill(process.processIdentifier, SIGKILL)
            throw UsageError("the echo server child did not start: \(text)")
        }
        return EchoChild(process: process, port: port)
    }

    func stop() {
        kill(process.processIdentifier, SIGKILL)
    }
}
