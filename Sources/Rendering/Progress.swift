import Foundation
import Gating
import Recording
import ReportFormat

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Progress while a run goes on: on a terminal one live line (cases done/total, failures so far,
/// the case running now) with failures printed above it as they happen; on CI (no terminal, or
/// `CI` set) one plain line per finished case.
public final class Progress: @unchecked Sendable {
    public enum Mode: Sendable { case live, lines, quiet }

    /// Cases start from several tasks with --jobs; every change of the counters and the line is under it.
    private let lock = NSLock()

    public let mode: Mode
    public let total: Int
    public let policy: PassPolicy
    private let output: FileHandle
    private var done = 0
    private var failed = 0

    public init(total: Int, policy: PassPolicy, quiet: Bool, toStandardError: Bool) {
        self.total = total
        self.policy = policy
        self.output = toStandardError ? .standardError : .standardOutput
        let descriptor = toStandardError ? STDERR_FILENO : STDOUT_FILENO
        if quiet {
            mode = .quiet
        } else if Self.onCI || isatty(descriptor) == 0 {
            mode = .lines
        } else {
            mode = .live
        }
    }

    /// `CI` set to anything but empty, `0` or `false`.
    public static var onCI: Bool {
        guard let value = ProcessInfo.processInfo.environment["CI"] else { return false }
        return !["", "0", "false"].contains(value.lowercased())
    }

    public func say(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        guard mode != .quiet else { return }
        clearLive()
        output.write(Data((text + "\n").utf8))
    }

    /// `agent` is shown when the run has several servers.
    public func starting(_ caseID: String, agent: String?) {
        lock.lock()
        defer { lock.unlock() }
        guard mode == .live else { return }
        drawLive(current: caseID + (agent.map { " (\($0))" } ?? ""))
    }

    public func finished(_ record: CaseRecord) {
        lock.lock()
        defer { lock.unlock() }
        done += 1
        let reported = ReportedCase(record)
        let passes = policy.passes(reported)
        if !passes { failed += 1 }
        switch mode {
        case .quiet: return
        case .lines: write(Console.line(for: reported, passes: passes, position: done, total: total) + "\n")
        case .live:
            if !passes {
                clearLive()
                write(Console.line(for: reported, passes: passes, position: done, total: total) + "\n")
            }
            drawLive(current: nil)
        }
    }

    public func end() {
        lock.lock()
        defer { lock.unlock() }
        clearLive()
    }

    private func drawLive(current: String?) {
        var text = "[\(done)/\(total)] \(failed) failed"
        if let current { text += " · running \(current)" }
        let columns = Self.terminalColumns
        if text.count > columns - 1 { text = String(text.prefix(columns - 2)) + "…" }
        write("\r\u{1B}[2K" + text)
    }

    private func clearLive() {
        if mode == .live { write("\r\u{1B}[2K") }
    }

    private func write(_ text: String) {
        output.write(Data(text.utf8))
    }

    private static var terminalColumns: Int {
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 10 { return Int(size.ws_col) }
        return 80
    }
}
