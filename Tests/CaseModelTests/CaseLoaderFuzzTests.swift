import CaseModel
import Foundation
import Testing
import WebSocketWire

/// Seeded random mutations of the built-in case files: the loader never traps, and every problem it
/// reports points into the file. `WSSPEC_FUZZ_SEED` and `WSSPEC_FUZZ_ITERATIONS` as for the parser fuzzing.
@Suite("Case loader fuzzing (seeded)")
struct CaseLoaderFuzzTests {
    static var seed: UInt64 {
        ProcessInfo.processInfo.environment["WSSPEC_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0x5EED_0F_F022
    }
    static var iterations: Int {
        (ProcessInfo.processInfo.environment["WSSPEC_FUZZ_ITERATIONS"].flatMap { Int($0) } ?? 5_000) / 25
    }

    /// Inputs that once broke the loader: kept forever.
    static let regressions: [String] = [
        // Found by seed 1: a duplicated line made two cases with one ID in a single file, and
        // `load(yaml:file:)` (unlike loading a folder) did not check, so building the suite trapped.
        """
        category: {id: "1", title: x}
        cases:
          - {id: "1.1", description: d, expectation: e, steps: [], expect: {OK: []}, close: {by: client, codes: [1000], clean: true}}
          - {id: "1.1", description: d, expectation: e, steps: [], expect: {OK: []}, close: {by: client, codes: [1000], clean: true}}
        """,
        "", "~", "[", "category: {id: \"1\", title: x}\ncases: [ {id: \"1.{n}\", table: {columns: [n], rows: [[1], [{a: 1}]]}} ]",
        "category: {id: \"1\", title: x}\ncases:\n  - &a {id: \"1.1\"}\n  - *a\n",
        "category: {id: \"1\", title: x}\ncases:\n  - id: \"1.1\"\n    steps: [ {send: {opcode: 99999999999999999999}} ]\n",
        "category: {id: \"1\", title: x}\ncases:\n  - id: \"1.{n}\"\n    table: {columns: [n, n], rows: []}\n",
    ]

    static let specials = [":", "{", "}", "[", "]", "-", "\"", "'", "#", "&", "*", "!", "|", ">", "~", "\n", "  ", "{n}",
        "9999999999999999999999", "-1", "\u{0}", "é"]

    static func mutate(_ text: String, _ g: inout SeededRandom) -> String {
        var lines = text.components(separatedBy: "\n")
        for _ in 0..<Int.random(in: 1...4, using: &g) {
            let i = Int.random(in: 0..<lines.count, using: &g)
            switch Int.random(in: 0..<4, using: &g) {
            case 0: lines.remove(at: i)
            case 1: lines.insert(lines[Int.random(in: 0..<lines.count, using: &g)], at: i)
            default:
                var chars = Array(lines[i])
                let at = chars.isEmpty ? 0 : Int.random(in: 0...chars.count, using: &g)
                let piece = Array(specials.randomElement(using: &g)!)
                if Bool.random(using: &g), at < chars.count {
                    chars.replaceSubrange(at..<min(chars.count, at + piece.count), with: piece)
                } else {
                    chars.insert(contentsOf: piece, at: at)
                }
                lines[i] = String(chars)
            }
            if lines.isEmpty { lines = [""] }
        }
        return lines.joined(separator: "\n")
    }

    /// Loads `text`; false when a problem does not point into the file.
    static func check(_ text: String) -> Bool {
        do {
            _ = try CaseLoader.load(yaml: text, file: "fuzz.yaml")
            return true
        } catch let error as CaseLoadError {
            let lineCount = text.split(separator: "\n", omittingEmptySubsequences: false).count
            return !error.problems.isEmpty && error.problems.allSatisfy { problem in
                problem.location.file == "fuzz.yaml" && problem.location.line >= 1
                    && problem.location.line <= lineCount + 1 && !problem.message.isEmpty
            }
        } catch {
            return false
        }
    }

    @Test("mutated case files load or give problems inside the file, and never trap")
    func mutatedCaseFiles() throws {
        for text in Self.regressions { #expect(Self.check(text), "\(text.debugDescription)") }
        let files = try FileManager.default.contentsOfDirectory(
            at: builtInCaseDirectory.appendingPathComponent("rfc6455"), includingPropertiesForKeys: nil
        ).filter { $0.pathExtension == "yaml" }.sorted { $0.path < $1.path }
        let texts = try files.map { try String(contentsOf: $0, encoding: .utf8) }
        var g = SeededRandom(seed: Self.seed &+ 2)
        for n in 0..<Self.iterations {
            let text = Self.mutate(texts[n % texts.count], &g)
            guard Self.check(text) else {
                Issue.record("seed \(Self.seed) input \(n): a problem outside the file, or an unexpected error, for:\n\(text)")
                return
            }
        }
    }
}
