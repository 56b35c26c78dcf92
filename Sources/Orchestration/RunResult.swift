import Foundation
import Recording

/// What a run leaves for the gate and the summary.
public struct RunResult: Sendable {
    /// The records of the cases that ran, per server in the order of the plan, each in suite order; without
    /// those the spec's `exclude-agent-cases` leaves out.
    public var records: [CaseRecord]
    /// Cases × servers the run was to run.
    public var total: Int
    /// When the first case started.
    public var started: Date
    /// A report could not be written: the run fails (exit 1) whatever the verdicts.
    public var writeFailed: Bool
    /// SIGINT or SIGTERM, received during the run or after it (until the process ends): the exit code says so.
    public var interruption: Interruption
}
