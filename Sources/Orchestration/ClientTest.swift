import Foundation
import Harness
import NIOCore
import Recording
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `wsspec test-client`: the fuzzing server on a free port, the client under test started with its URL and agent,
/// watched until it ends. A client that never connects, stops before running every case, or hangs is stopped
/// and named in a `ClientTest.Problem`; the records of the cases it ran are kept (and their reports written).
public struct ClientTest: Sendable {
    /// The client's command line; `{url}` and `{agent}` anywhere in it are replaced. It also gets `WSSPEC_URL`,
    /// `WSSPEC_AGENT` and `WSSPEC_CASE_COUNT` in its environment.
    public var command: [String]
    public var agent: String
    /// Seconds the client has to open its first connection.
    public var connectTimeout: Double = 30
    /// Seconds the client may stay without a case running, once it has connected, before it counts as hung.
    public var idleTimeout: Double = 60
    /// Called while waiting; tests use it instead of a clock.
    public var pollInterval: Double = 0.05

    public init(command: [String], agent: String) {
        self.command = command
        self.agent = agent
    }

    /// Why the client's run is not complete.
    public enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
        case cannotStart(String)
        case neverConnected(seconds: Double, exitStatus: Int32?)
        case stoppedEarly(ran: Int, of: Int, firstMissing: String, exitStatus: Int32)
        case hung(seconds: Double, ran: Int, of: Int)

        public var description: String {
            switch self {
            case .cannotStart(let why):
                return "cannot start the client: \(why)"
            case .neverConnected(let seconds, let status):
                if let status {
                    return "the client ended (exit status \(status)) without connecting to wsspec's fuzzing server"
                }
                return "the client did not connect to wsspec's fuzzing server within \(Int(seconds)) s (--connect-timeout); it was stopped"
            case .stoppedEarly(let ran, let total, let missing, let status):
                return "the client ended (exit status \(status)) after \(ran) of \(total) cases; case \(missing) and later ones did not run"
            case .hung(let seconds, let ran, let total):
                return "the client hung: no case ran for \(Int(seconds)) s (--idle-timeout) after \(ran) of \(total) cases; it was stopped"
            }
        }
    }

    public struct Outcome: Sendable {
        /// The client's records, in case order.
        public var records: [CaseRecord]
        public var problem: Problem?
        public var exitStatus: Int32?
        public var url: String
    }

    /// The command with `{url}` and `{agent}` filled in.
    public func arguments(url: String) -> [String] {
        command.map { $0.replacingOccurrences(of: "{url}", with: url).replacingOccurrences(of: "{agent}", with: agent) }
    }

    /// Runs the client against `run`'s fuzzing server; stops the server before returning.
    public func execute(_ run: ClientRun, events: ClientRun.Events, group: EventLoopGroup, interruption: Interruption? = nil)
        async throws -> Outcome
    {
        // Every way out below stops the server itself, awaited: a stop left to a Task would run after the caller
        // had shut its event loops down.
        let server = try await run.start(events, group: group)
        let url = server.url
        let arguments = arguments(url: url)
        let executable: URL
        do {
            executable = try Self.resolve(arguments[0])
        } catch let problem as Problem {
            await server.stop()
            return Outcome(records: [], problem: problem, exitStatus: nil, url: url)
        }
        var environment = ProcessInfo.processInfo.environment
        environment["WSSPEC_URL"] = url
        environment["WSSPEC_AGENT"] = agent
        environment["WSSPEC_CASE_COUNT"] = "\(run.selected.count)"
        let process: ChildProcess
        do {
            // The client's output goes to standard error, so a JSON summary on standard output stays clean.
            process = try ChildProcess(executable: executable.path, arguments: Array(arguments.dropFirst()), environment: environment)
        } catch {
            await server.stop()
            return Outcome(records: [], problem: .cannotStart("\(arguments[0]): \(error)"), exitStatus: nil, url: url)
        }
        interruption?.whenSignalled {
            run.markInterrupted()
            process.signalGroup(SIGTERM)
        }
        let expected = run.selected.filter { !(run.spec?.excludes(agent: agent, caseID: $0.id.description) ?? false) }
        let started = Date()
        var problem: Problem?
        while process.isRunning {
            try? await Task.sleep(nanoseconds: UInt64(pollInterval * 1e9))
            let activity = run.activity
            if activity.connections == 0 && Date().timeIntervalSince(started) > connectTimeout {
                problem = .neverConnected(seconds: connectTimeout, exitStatus: nil)
            } else if activity.connections > 0 && activity.running == 0 && Date().timeIntervalSince(activity.last) > idleTimeout {
                problem = .hung(seconds: idleTimeout, ran: ran(run), of: expected.count)
            }
            if problem != nil {
                await process.stop()
                break
            }
        }
        // A case whose connection the client left as it ended is still being torn down: let it end.
        let waitUntil = Date().addingTimeInterval(5)
        while run.activity.running > 0 && Date() < waitUntil {
            try? await Task.sleep(nanoseconds: UInt64(pollInterval * 1e9))
        }
        let status = process.exitStatus ?? -1
        let records = run.records.filter { $0.agent == agent }
        if problem == nil && interruption?.signal == nil {
            if run.activity.connections == 0 {
                problem = .neverConnected(seconds: connectTimeout, exitStatus: status)
            } else {
                let done = Set(records.map(\.caseID))
                if let missing = expected.first(where: { !done.contains($0.id.description) }) {
                    problem = .stoppedEarly(ran: done.count, of: expected.count, firstMissing: missing.id.description, exitStatus: status)
                }
            }
        }
        await server.stop()
        return Outcome(records: records, problem: problem, exitStatus: status, url: url)
    }

    private func ran(_ run: ClientRun) -> Int {
        Set(run.records.filter { $0.agent == agent }.map(\.caseID)).count
    }

    /// A command name found on PATH, or a path.
    static func resolve(_ name: String) throws -> URL {
        if name.contains("/") {
            guard FileManager.default.isExecutableFile(atPath: name) else {
                throw Problem.cannotStart("\(name): no such executable file")
            }
            return URL(fileURLWithPath: name)
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            let candidate = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return URL(fileURLWithPath: candidate) }
        }
        throw Problem.cannotStart("\(name): not found on PATH")
    }
}
