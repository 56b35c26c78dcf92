import Foundation
import ReportFormat
import Gating
import Rendering
import Recording
import JSONCodec

/// The release-built `wsspec` that the long runs (the whole RFC 6455 suite, the compression cases) use, so that
/// they take the time a user's run takes rather than a debug build's: `WSSPEC_BINARY` (scripts/test sets it),
/// else `.build-release/release/wsspec`. There is no fallback to a debug build, and no skipping: without it these
/// tests fail and say how to build it.
enum ReleaseBinary {
    static let url: URL? = {
        if let path = ProcessInfo.processInfo.environment["WSSPEC_BINARY"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        return repositoryRoot.appendingPathComponent(".build-release/release/wsspec")
    }()

    static func require() throws -> URL {
        guard let url, FileManager.default.isExecutableFile(atPath: url.path) else { throw Missing(path: url?.path ?? "") }
        return url
    }

    struct Missing: Error, CustomStringConvertible {
        var path: String
        var description: String {
            "no release wsspec at \(path): run scripts/test, or scripts/release, or set WSSPEC_BINARY"
        }
    }
}

/// One case as a `wsspec run` reported it: its `index.json` entry and its JSON file.
struct ReleaseReport: Sendable {
    var caseID: String
    var entry: IndexEntry
    var json: JSONValue

    var verdict: String {
        "\(entry.behavior)/\(entry.behaviorClose)/\(entry.remoteCloseCode.map(String.init) ?? "None")"
    }

    var result: String { json["result"]?.stringValue ?? "" }
    var resultClose: String { json["resultClose"]?.stringValue ?? "" }

    /// What the report says about the server, without what depends on timing (durations, timestamps, the wire
    /// log and the octet statistics, which show how reads happened to be split) or on the connection (the request
    /// names the port; the TLS facts; the replay line).
    var content: String {
        guard case .object(var members) = json else { return "" }
        for key in ["duration", "started", "wirelog", "rxOctetStats", "txOctetStats", "httpRequest", "wsspecTLS", "wsspecReplay"] {
            members[key] = nil
        }
        return ReferenceJSON.serialize(.object(members))
    }
}

/// Runs `wsspec run URL --cases …` with the release binary and returns the reports of its cases in suite order.
/// `options` are more flags (`--jobs 4`, `--ca-file …`).
func runRelease(
    _ patterns: [String], against url: String, agent: String, seed: UInt64 = 7, options: [String] = []
) throws -> [ReleaseReport] {
    let binary = try ReleaseBinary.require()
    let outdir = FileManager.default.temporaryDirectory.appendingPathComponent("wsspec-release-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: outdir) }
    let log = outdir.appendingPathExtension("log")
    defer { try? FileManager.default.removeItem(at: log) }
    try Data().write(to: log)  // the log file, empty, for the process's output (throws saying why it cannot)
    let process = Process()
    process.executableURL = binary
    process.arguments = ["run", url, "--agent", agent, "--cases", patterns.joined(separator: ","), "--seed", String(seed),
                         "--outdir", outdir.path, "--no-html", "--quiet"] + options
    process.standardOutput = try FileHandle(forWritingTo: log)
    process.standardError = process.standardOutput
    process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
    try process.run()
    // Foundation's waitUntilExit spins a run loop off the main thread; poll instead.
    while process.isRunning { usleep(20_000) }
    guard [0, 1].contains(process.terminationStatus) else {
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        throw RunFailed(status: process.terminationStatus, output: output)
    }
    let index = try ReferenceIndex.load(outdir.appendingPathComponent("index.json"))[agent] ?? [:]
    return try index.map { id, entry in
        let text = try String(contentsOf: outdir.appendingPathComponent(entry.reportfile), encoding: .utf8)
        return ReleaseReport(caseID: id, entry: entry, json: try ReferenceJSON.parse(text))
    }.sorted { caseOrder($0.caseID, $1.caseID) }
}

struct RunFailed: Error, CustomStringConvertible {
    var status: Int32
    var output: String
    var description: String { "wsspec run exited with \(status):\n\(output)" }
}

/// Case IDs in suite order: numerically, part by part.
func caseOrder(_ a: String, _ b: String) -> Bool {
    let x = a.split(separator: ".").map { Int($0) ?? 0 }
    let y = b.split(separator: ".").map { Int($0) ?? 0 }
    return x.lexicographicallyPrecedes(y)
}

/// The release binary's own echo server (`wsspec echo --port 0`), in a process of its own, as a user runs it.
final class ReleaseEchoServer: @unchecked Sendable {
    let process = Process()
    let url: String

    /// With `tls`, it serves wss:// with that certificate chain and key; `options` are more flags (`--http2`).
    init(tls: (certificate: String, key: String)? = nil, options: [String] = []) throws {
        process.executableURL = try ReleaseBinary.require()
        process.arguments = ["echo", "--port", "0"] + (tls.map { ["--tls-cert", $0.certificate, "--tls-key", $0.key] } ?? [])
            + options
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        try process.run()
        // It prints "wsspec echo server listening on ws://127.0.0.1:PORT" once it accepts connections.
        let text = firstLine(of: out)
        guard let start = text.range(of: "listening on ") else {
            kill(process.processIdentifier, SIGKILL)
            throw PythonEchoServer.StartFailed(output: text)
        }
        url = String(text[start.upperBound...])
    }

    var port: Int { Int(url.split(separator: ":").last ?? "") ?? 0 }

    func stop() {
        process.terminate()
        let deadline = Date().addingTimeInterval(2)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
