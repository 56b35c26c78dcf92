import CaseModel
import Foundation
import Harness

/// The command line that runs one case again, alone, against the same server, with the same seed and the
/// handshake, TLS and timer options that shape what the case sends, and the live wire trace — printed under every
/// failure. Its reports go
/// to a folder of their own (`<outdir>/replay`), so replaying never overwrites the run's reports.
///
/// Values of headers that carry credentials (`Authorization`, `Cookie`, …) are replaced by `…`: a replay line
/// ends up in CI logs, the credential should not.
public struct ReplayCommand: Sendable, Equatable {
    public var arguments: [String]

    /// Header names whose values the replay line leaves out.
    public static let secretHeaders: Set<String> = ["authorization", "proxy-authorization", "cookie", "x-api-key"]

    /// `builtinServer`: the run started its own echo server, whose port is gone once it ends; the replay starts a
    /// new one (no URL).
    public init(
        caseID: String, server: ServerTarget, seed: UInt64, plan: RunPlan, caseDirs: [String] = [], builtinServer: Bool = false
    ) {
        let request = plan.request
        var a = ["wsspec", "run"] + (builtinServer ? [] : [server.url]) + ["--cases", caseID, "--seed", String(seed)]
        // A case of another suite than the reference's is selected only with its suite named.
        if request.suites != [CaseGroup.referenceSuite] { a += ["--suite", request.suites.joined(separator: ",")] }
        if let agent = server.agent { a += ["--agent", agent] }
        for header in server.headers {
            let value = Self.secretHeaders.contains(header.name.lowercased()) ? "…" : header.value
            a += ["-H", "\(header.name): \(value)"]
        }
        if let origin = server.origin { a += ["--origin", origin] }
        for p in server.protocols { a += ["--protocol", p] }
        if let url = try? ServerTarget(url: server.url), url.resource != server.resource { a += ["--path", server.resource] }
        if let sni = server.tls.serverName { a += ["--sni", sni] }
        if let ca = server.tls.caFile { a += ["--ca-file", ca] }
        if server.tls.insecure { a.append("--insecure") }
        if let cert = server.tls.certificateFile { a += ["--cert", cert] }
        if let key = server.tls.keyFile { a += ["--key", key] }
        let c = request.connection
        if let ua = c.userAgent { a += ["--user-agent", ua] }
        for (flag, value) in [
            ("--open-timeout", c.openTimeout), ("--close-timeout", c.closeTimeout), ("--drop-timeout", c.dropTimeout),
            ("--timer-scale", c.timerScale),
        ] {
            if let value { a += [flag, Self.number(value)] }
        }
        if let size = request.maxMessageSize ?? plan.maxMessageSize { a += ["--max-message-size", String(size)] }
        if let testData = request.testData { a += ["--testdata", testData] }
        for dir in caseDirs { a += ["--case-dir", dir] }
        a += ["--outdir", plan.outdir + "/replay"]
        // Replaying is for looking closer: the wire trace, live.
        a.append("--trace")
        arguments = a
    }

    /// The command as one line a POSIX shell reads back as `arguments`.
    public var line: String { arguments.map(Self.shellQuoted).joined(separator: " ") }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    /// The argument as it is when it holds only characters no shell treats specially, else in single quotes.
    public static func shellQuoted(_ argument: String) -> String {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@%+,")
        if !argument.isEmpty && argument.allSatisfy({ safe.contains($0) }) { return argument }
        return "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
