import JSONCodec
import Recording
import Foundation

/// Reading report folders back: the JSON a run wrote, for `wsspec report`.
public enum ReportDirectory {
    /// Every per-case report in `directory`: the files `index.json` lists, or — without an index —
    /// every `*_case_*.json`.
    /// - Throws: `ReportedCaseError` naming the file and the problem (a folder without reports is
    ///   one too).
    public static func load(_ directory: URL) throws -> [ReportedCase] {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ReportedCaseError(file: directory.path, reason: "is not a folder")
        }
        let indexURL = directory.appendingPathComponent("index.json")
        var files: [String] = []
        var fromIndex: [String: (agent: String, caseID: String, entry: IndexEntry)] = [:]
        if fm.fileExists(atPath: indexURL.path) {
            let index: [String: [String: IndexEntry]]
            do {
                index = try ReferenceIndex.load(indexURL)
            } catch {
                throw ReportedCaseError(file: indexURL.path, reason: "\(error)")
            }
            for agent in index.keys.sorted() {
                for (caseID, entry) in index[agent]!.sorted(by: { CaseIDOrder.precedes($0.key, $1.key) }) {
                    guard !entry.reportfile.contains("/"), !entry.reportfile.hasPrefix(".") else {
                        throw ReportedCaseError(file: indexURL.path, reason: "reportfile '\(entry.reportfile)' is not a plain file name")
                    }
                    files.append(entry.reportfile)
                    fromIndex[entry.reportfile] = (agent, caseID, entry)
                }
            }
        } else {
            files = ((try? fm.contentsOfDirectory(atPath: directory.path)) ?? [])
                .filter { $0.hasSuffix(".json") && $0.contains("_case_") && !$0.hasPrefix(".") }.sorted()
        }
        if files.isEmpty {
            throw ReportedCaseError(file: directory.path, reason: "holds no case reports (no index.json and no *_case_*.json)")
        }
        return try files.map { name in
            let url = directory.appendingPathComponent(name)
            // A run folder that was pruned (or a partial copy) may list cases whose file is gone:
            // the index entry still gives the verdicts.
            if !fm.fileExists(atPath: url.path), let known = fromIndex[name] {
                return try ReportedCase(json: .object([
                    "agent": .string(known.agent), "id": .string(known.caseID),
                    "behavior": .string(known.entry.behavior), "behaviorClose": .string(known.entry.behaviorClose),
                    "duration": .int(known.entry.duration),
                    "remoteCloseCode": known.entry.remoteCloseCode.map(JSONValue.int) ?? .null,
                    "result": .string("(only index.json was found for this case: \(name) is missing)"),
                    "resultClose": .string("(only index.json was found for this case: \(name) is missing)"),
                ]))
            }
            return try ReportedCase.load(url)
        }
    }
}
