import Foundation
import ReportFormat
import Gating
import Rendering
import Recording
import JSONCodec

/// Locates the reference run kept in `shared/reference/wstest-websockets` (next to the repository
/// in a CI clone, or at `/work/shared` on a developer machine) and reads its files.
enum ReferenceFiles {
    /// The reference folder, or nil if it is not on this machine.
    static let directory: URL? = {
        let repository = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var candidates: [URL] = []
        if let override = ProcessInfo.processInfo.environment["WSSPEC_REFERENCE_DIR"] {
            candidates.append(URL(fileURLWithPath: override))
        }
        candidates.append(repository.deletingLastPathComponent().appendingPathComponent("shared/reference/wstest-websockets"))
        candidates.append(URL(fileURLWithPath: "/work/shared/reference/wstest-websockets"))
        return candidates.first {
            FileManager.default.fileExists(atPath: $0.appendingPathComponent("index.json").path)
        }
    }()

    /// Whether the reference folder was found (tests that need it are skipped otherwise).
    static var available: Bool { directory != nil }

    /// The text of a file of the reference folder.
    static func text(_ name: String) throws -> String {
        guard let directory else { throw MissingReference() }
        let data = try Data(contentsOf: directory.appendingPathComponent(name))
        return String(decoding: data, as: UTF8.self)
    }

    /// Names of every JSON file in the reference folder, sorted.
    static func allJSONFiles() throws -> [String] {
        guard let directory else { throw MissingReference() }
        return try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".json") }
            .sorted()
    }

    struct MissingReference: Error {}
}

/// Bytes of a lower-case or upper-case hex string (spaces ignored).
func hexBytes(_ hex: String) -> [UInt8] {
    let digits = Array(hex.utf8.filter { $0 != UInt8(ascii: " ") })
    return stride(from: 0, to: digits.count - 1, by: 2).map { index in
        UInt8(String(decoding: digits[index...index + 1], as: UTF8.self), radix: 16) ?? 0
    }
}
