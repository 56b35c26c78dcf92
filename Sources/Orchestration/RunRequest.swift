import CaseModel
import Foundation
import Harness

/// What a run is asked to do, as the command line says it; `RunPlan` combines it with the spec file.
public struct RunRequest: Sendable {
    /// The servers' URLs; several run one after the other into one report. Not together with `specFile`.
    public var urls: [String] = []
    /// A `fuzzingclient.json` in the reference's format.
    public var specFile: String?
    /// One agent name per server, in order.
    public var agents: [String] = []
    public var outdir: String?
    public var seed: UInt64?
    /// `--cases` and `--exclude` patterns, split at commas; empty takes the spec's (or every case).
    public var include: [String] = []
    public var exclude: [String] = []
    /// `--suite`: the suites the patterns choose from; the reference's alone unless asked.
    public var suites: [String] = [CaseGroup.referenceSuite]
    public var connection = ConnectionOverrides()
    /// `--max-message-size`, over the spec's `maxMessagePayloadSize` option; nil for neither, which is 64 MiB.
    public var maxMessageSize: UInt64?
    /// `--compression-cache`: octets of compressed messages kept for later cases (nil: `CompressionCache.defaultBudget`).
    public var compressionCache: Int?
    /// `--testdata`: a folder the user named, checked before the first case runs.
    public var testData: String?
    /// The built-in suite's test data, used when `testData` is nil.
    public var builtinTestData: TestDataLibrary
    public var jobs = 1
    /// `--serial` patterns as given; empty takes `CaseScheduler.defaultSerialPatterns`.
    public var serial: [String] = []
    public var shard: Shard?
    /// `--case-dir` folders, as given: the suite comes in loaded, these only go into the replay lines.
    public var caseDirs: [String] = []
    /// `--trace-file`: each case's wire trace is written next to its report (`<agent>_case_<id>.trace`).
    public var traceFile = false
    /// `--rerun-failures N`: each case that failed the policy runs again, alone, up to N times, to tell flaky from failed.
    public var rerunFailures = 0
    /// `--pause-before` patterns: these cases wait after their handshake until `Run.Events.hold` returns.
    public var pauseBefore: [String] = []

    public init(builtinTestData: TestDataLibrary) {
        self.builtinTestData = builtinTestData
    }
}
