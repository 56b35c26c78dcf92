import CaseModel
import Foundation
import Testing

/// The `Cases` folder of this repository.
let builtInCaseDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Cases")

/// A fresh folder under the system's temporary directory, removed by `remove()`.
struct TemporaryFolder {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("wsspec-casemodel-\(UUID().uuidString)", isDirectory: true)

    init() throws {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func write(_ name: String, _ text: String) throws {
        try text.write(to: url.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// The 1-based line and column where `marker` first occurs in `text`.
func position(of marker: String, in text: String) -> (line: Int, column: Int) {
    let range = text.range(of: marker)!
    let before = text[..<range.lowerBound]
    let line = before.filter { $0 == "\n" }.count + 1
    let lineStart = before.lastIndex(of: "\n").map { before.index(after: $0) } ?? before.startIndex
    return (line, before[lineStart...].unicodeScalars.count + 1)
}

/// The problems `CaseLoader.load(yaml:file:)` reports, or an empty list when it loads.
func problems(loading yaml: String, file: String = "test.yaml") -> [CaseFileError] {
    do {
        _ = try CaseLoader.load(yaml: yaml, file: file)
        return []
    } catch let error as CaseLoadError {
        return error.problems
    } catch {
        Issue.record("unexpected error \(error)")
        return []
    }
}

/// A case with only what selection needs.
func stubCase(_ id: String) -> CaseDefinition {
    CaseDefinition(
        id: CaseID(id)!, description: "", expectation: "", category: CaseGroup(id: CaseID(id)!.category, title: ""),
        steps: [], expected: [(.ok, [])], close: CloseExpectation(closedByClient: true, codes: [1000], requireClean: true),
        source: CaseModel.SourceLocation(file: "stub", line: 1, column: 1))
}

func stubSuite(_ ids: [String]) -> CaseSuite {
    CaseSuite(cases: ids.map(stubCase), groups: [:])
}

/// Octets written as hex, blanks allowed.
func bytes(_ hex: String) -> [UInt8] {
    let digits = Array(hex.filter { !$0.isWhitespace })
    return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! }
}
