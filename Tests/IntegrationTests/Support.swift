import CaseModel
import Foundation
import Engine
import Harness
import Recording
import NIOPosix
import ReportFormat
import Gating
import Rendering
import Recording
import JSONCodec
import Testee

/// The repository this test file belongs to.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// The built-in suite.
func builtinSuite() throws -> CaseSuite {
    try CaseSuite.load(directory: repositoryRoot.appendingPathComponent("Cases"))
}

/// Runs the selected cases one after the other against `url` and returns their records.
func runCases(_ patterns: [String], against url: String, seed: UInt64 = 7, agent: String? = nil) async throws -> [CaseRecord] {
    try await runCases(patterns, against: try ServerTarget(url: url, agent: agent), seed: seed)
}

/// Runs the selected cases against `server` through the scheduler (`jobs` at once) and returns their records in
/// suite order.
func runCases(
    _ patterns: [String], against server: ServerTarget, seed: UInt64 = 7, jobs: Int = 1,
    serial: [String] = CaseScheduler.defaultSerialPatterns
) async throws -> [CaseRecord] {
    let suite = try builtinSuite()
    let selected = try CaseSelection(include: patterns).select(from: suite)
    let group = MultiThreadedEventLoopGroup(numberOfThreads: jobs > 1 ? 2 : 1)
    var settings = RunSettings(seed: seed)
    settings.testData = TestDataLibrary(directory: repositoryRoot.appendingPathComponent("Cases/data"))
    let runner = CaseRunner(group: group, settings: settings)
    let items = selected.map { CaseScheduler.Item(definition: $0, ordinal: suite.ordinal(of: $0.id) ?? 0) }
    let records = await CaseScheduler(jobs: jobs, serialPatterns: serial).run(items, server: server, runner: runner)
    try await group.shutdownGracefully()
    return records
}

/// The reference run's verdicts (`shared/reference/wstest-websockets/index.json`), if present.
enum Reference {
    static let directory: URL? = {
        var candidates: [URL] = []
        if let dir = ProcessInfo.processInfo.environment["WSSPEC_REFERENCE_DIR"] {
            candidates.append(URL(fileURLWithPath: dir))
        }
        candidates.append(repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/reference/wstest-websockets"))
        candidates.append(URL(fileURLWithPath: "/work/shared/reference/wstest-websockets"))
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("index.json").path) }
    }()

    static func verdicts() throws -> [String: IndexEntry] {
        guard let directory else { throw MissingReference() }
        return try ReferenceIndex.load(directory.appendingPathComponent("index.json"))["websockets"] ?? [:]
    }

    struct MissingReference: Error, CustomStringConvertible {
        var description: String { "the reference run (shared/reference/wstest-websockets) is not on this machine" }
    }
}

/// A Python `websockets` 17.4 echo server started for a test, as in the reference run.
/// `WSSPEC_PYTHON` names a Python that has websockets installed (`.ci/run` makes one).
final class PythonEchoServer: @unchecked Sendable {
    let process = Process()
    let port: Int
    private let stdin = Pipe()
    static var python: String? { ProcessInfo.processInfo.environment["WSSPEC_PYTHON"] }

    /// With `tls`, the server speaks wss:// with that certificate chain and key (PEM files). `script` is a server
    /// of `Tests/Servers` (`tornado_echo.py`: Tornado 6.6.1, which `scripts/test` installs beside websockets).
    init(tls: (certificate: String, key: String)? = nil, script: String = "websockets_echo.py") throws {
        guard let python = Self.python else { throw Unavailable() }
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [repositoryRoot.appendingPathComponent("Tests/Servers/\(script)").path, "0", "--exit-with-stdin"]
        if let tls { process.arguments! += ["--tls-cert", tls.certificate, "--tls-key", tls.key] }
        process.standardInput = stdin
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        // The script prints "listening PORT" once it accepts connections.
        let text = firstLine(of: out)
        guard text.hasPrefix("listening "), let port = Int(text.dropFirst("listening ".count)) else {
            kill(process.processIdentifier, SIGKILL)
            throw StartFailed(output: text)
        }
        self.port = port
    }

    /// Ends the server: closing its stdin makes it exit; SIGKILL if it has not within two seconds.
    /// (Foundation's `waitUntilExit` spins a run loop off the main thread, so this polls instead.)
    func stop() {
        try? stdin.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(2)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    struct Unavailable: Error, CustomStringConvertible {
        var description: String {
            "WSSPEC_PYTHON is not set: it names a Python with websockets==17.4 and tornado==6.6.1 (scripts/test makes one in .build-venv)"
        }
    }
    struct StartFailed: Error, CustomStringConvertible {
        var output: String
        var description: String { "the Python echo server did not start (is tornado==6.6.1 installed for tornado_echo.py?): \(output)" }
    }
}

/// A verdict pair that the default pass policy accepts.
func passes(_ record: CaseRecord) -> Bool {
    ["OK", "NON-STRICT", "INFORMATIONAL"].contains(record.behavior) && ["OK", "INFORMATIONAL"].contains(record.behaviorClose)
}

/// The first line a child process writes to `pipe`, trimmed (what it wrote, if it ended before a line).
func firstLine(of pipe: Pipe) -> String {
    var line = Data()
    while !line.contains(UInt8(ascii: "\n")) {
        let chunk = pipe.fileHandleForReading.availableData
        if chunk.isEmpty { break }
        line.append(chunk)
    }
    return String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}

/// wsspec's echo server, in this process, on a free port of 127.0.0.1 with its default configuration.
func startEchoServer() async throws -> EchoServer {
    var configuration = EchoServerConfiguration()
    configuration.port = 0
    return try await EchoServer.start(configuration)
}
