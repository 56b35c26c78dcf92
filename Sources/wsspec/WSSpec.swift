import ArgumentParser
import BuiltinSuite
import Foundation

@main
struct WSSpec: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wsspec",
        abstract: "A WebSocket server conformance fuzzer (RFC 6455), the Autobahn|Testsuite fuzzing client rebuilt.",
        discussion: """
            Exit codes: 0 every case passed the pass policy (default: behaviour OK, NON-STRICT or INFORMATIONAL \
            and close OK or INFORMATIONAL) — or, with --expect, no case regressed; 1 a case failed or could not \
            be run; 2 a usage or configuration error.
            """,
        version: versionText,
        subcommands: [
            RunCommand.self, ServeCommand.self, TestClientCommand.self, ListCommand.self, ReportCommand.self, LintCommand.self,
            EchoCommand.self, EchoClientCommand.self, BenchCommand.self, FuzzCommand.self,
        ],
        defaultSubcommand: RunCommand.self)

    /// The release this source is; `scripts/release` names its archive after it.
    static let release = "0.1.0"

    /// What `--version` prints: the release and the commit it was built from (`0.1.0 (git 5926a0b)`, with
    /// `-dirty` for uncommitted changes), or `0.1.0 (built outside git)`.
    static let versionText = "\(release) (\(BuiltinSuite.commit.map { "git \($0)" } ?? "built outside git"))"

    /// Usage and configuration errors exit with 2 (ArgumentParser's default would be 64).
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure || error is UsageError {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

/// A problem with what the user asked for: exit code 2.
struct UsageError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data(("wsspec: " + message + "\n").utf8))
}
