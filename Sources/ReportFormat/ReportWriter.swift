import JSONCodec
import Recording
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes per-case JSON reports and `index.json` into an output directory.
///
/// Every file is written atomically: the content goes to a hidden temporary file in the same
/// directory, which is then renamed over the target. After each case file, `index.json` is
/// rewritten with every record this writer has written so far, so a run that dies midway leaves
/// every finished case and a valid index. (Durability against power loss is not attempted: no
/// `fsync`.)
///
/// Thread safety: all state is guarded by a lock, so one writer can be shared between tasks;
/// writes are serialized.
public final class ReportWriter: @unchecked Sendable {
    /// The output directory.
    public let directory: URL

    private let lock = NSLock()
    private var entries: [String: [String: IndexEntry]] = [:]
    private var temporaryCounter = 0

    /// Creates a writer for `directory`, creating it (and its parents) if missing.
    /// - Throws: `ReportWriterError` naming the path and the reason if the directory cannot be
    ///   created or is not a directory.
    public init(directory: URL) throws {
        self.directory = directory.standardizedFileURL
        let path = self.directory.path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw ReportWriterError(
                    path: path, operation: "cannot use report directory", reason: "it exists and is not a directory"
                )
            }
            return
        }
        do {
            try FileManager.default.createDirectory(at: self.directory, withIntermediateDirectories: true)
        } catch {
            throw ReportWriterError(
                path: path, operation: "cannot create report directory", reason: Self.explain(error)
            )
        }
    }

    /// The URL a file name resolves to in the output directory.
    public func url(forFile name: String) -> URL {
        directory.appendingPathComponent(name, isDirectory: false)
    }

    /// The records written so far, as they appear in `index.json` (agent → case ID → entry).
    public var index: [String: [String: IndexEntry]] {
        lock.lock()
        defer { lock.unlock() }
        return entries
    }

    /// Writes the per-case JSON of `record` (atomically), then rewrites `index.json`.
    /// - Throws: `ReportWriterError` naming the file and the reason.
    public func write(_ record: CaseRecord) throws {
        let text = record.serialized()
        lock.lock()
        defer { lock.unlock() }
        try writeAtomically(text, fileName: record.reportFileName)
        entries[record.agent, default: [:]][record.caseID] = record.indexEntry
        try writeIndexLocked()
    }

    /// Writes an already made per-case document (e.g. one read from another run's folder) under
    /// `fileName`, then rewrites `index.json` with `entry` added.
    /// - Throws: `ReportWriterError` naming the file and the reason.
    public func writeReport(_ json: JSONValue, fileName: String, agent: String, caseID: String, entry: IndexEntry) throws {
        let text = ReferenceJSON.serialize(json)
        lock.lock()
        defer { lock.unlock() }
        try writeAtomically(text, fileName: fileName)
        entries[agent, default: [:]][caseID] = entry
        try writeIndexLocked()
    }

    /// Rewrites `index.json` (atomically) with every record written so far.
    /// - Throws: `ReportWriterError` naming the file and the reason.
    public func writeIndex() throws {
        lock.lock()
        defer { lock.unlock() }
        try writeIndexLocked()
    }

    /// The `index.json` document for `entries`.
    public static func indexJSON(_ entries: [String: [String: IndexEntry]]) -> JSONValue {
        .object(entries.mapValues { cases in .object(cases.mapValues { $0.json() }) })
    }

    private func writeIndexLocked() throws {
        try writeAtomically(ReferenceJSON.serialize(Self.indexJSON(entries)), fileName: "index.json")
    }

    /// Writes `text` to a temporary file next to the target, then renames it over the target.
    /// Caller holds the lock.
    private func writeAtomically(_ text: String, fileName: String) throws {
        let target = url(forFile: fileName)
        temporaryCounter += 1
        let temporary = url(forFile: ".\(fileName).\(getpid()).\(temporaryCounter).tmp")
        do {
            try Data(text.utf8).write(to: temporary)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw ReportWriterError(
                path: target.path, operation: "cannot write report file", reason: Self.explain(error)
            )
        }
        if rename(temporary.path, target.path) != 0 {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw ReportWriterError(path: target.path, operation: "cannot write report file", reason: reason)
        }
    }

    /// A readable reason for a Foundation error, including the POSIX cause when there is one.
    private static func explain(_ error: Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError,
           underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if nsError.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(nsError.code)))
        }
        return nsError.localizedDescription
    }
}
