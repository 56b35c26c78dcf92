import JSONCodec
import Recording
/// The reference's report file names (catalogue 3.1): `<agent>_case_<id>.<ext>`.
public enum ReportFileName {
    /// Slug used when an agent name has no letter or digit at all.
    public static let emptyAgentSlug = "unknown"
    /// Longest slug kept; longer ones are cut so file names stay below file-system limits.
    public static let maximumSlugLength = 128

    /// The agent part of a file name: lower-cased, every character outside `[a-z0-9]` replaced by
    /// a space, trimmed, then each space replaced by `_` (runs are not collapsed).
    ///
    /// Lower-casing covers ASCII only, so every non-ASCII character (one per Unicode scalar)
    /// becomes `_`. wsspec additions: an empty result becomes `unknown`, and a slug longer than
    /// `maximumSlugLength` is cut (and trimmed again), so the result is always a plain, non-empty
    /// file-name component.
    public static func agentSlug(_ agent: String) -> String {
        let mapped = agent.unicodeScalars.map { scalar -> UInt8 in
            switch scalar.value {
            case 0x61...0x7A, 0x30...0x39: return UInt8(scalar.value)
            case 0x41...0x5A: return UInt8(scalar.value + 0x20)
            default: return UInt8(ascii: " ")
            }
        }
        let trimmed = trimSpaces(mapped)
        guard !trimmed.isEmpty else { return emptyAgentSlug }
        let cut = trimmed.count > maximumSlugLength ? trimSpaces(Array(trimmed.prefix(maximumSlugLength))) : trimmed
        return String(decoding: cut.map { $0 == UInt8(ascii: " ") ? UInt8(ascii: "_") : $0 }, as: UTF8.self)
    }

    /// The case part of a file name: the dotted ID with `.` → `_` (`7.13.2` → `7_13_2`); any other
    /// character outside `[A-Za-z0-9]` also becomes `_`.
    public static func caseSlug(_ caseID: String) -> String {
        String(decoding: caseID.unicodeScalars.map { scalar -> UInt8 in
            switch scalar.value {
            case 0x61...0x7A, 0x41...0x5A, 0x30...0x39: return UInt8(scalar.value)
            default: return UInt8(ascii: "_")
            }
        }, as: UTF8.self)
    }

    /// `<agentSlug>_case_<caseSlug>.<ext>`, e.g. `autobahnpython_0_10_9_case_7_13_2.json`.
    /// Characters of `ext` outside `[A-Za-z0-9]` are dropped.
    public static func caseFile(agent: String, caseID: String, ext: String) -> String {
        let cleanExt = String(ext.unicodeScalars.filter { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar))
        }.map(Character.init))
        let base = agentSlug(agent) + "_case_" + caseSlug(caseID)
        return cleanExt.isEmpty ? base : base + "." + cleanExt
    }

    private static func trimSpaces(_ bytes: [UInt8]) -> [UInt8] {
        let space = UInt8(ascii: " ")
        guard let first = bytes.firstIndex(where: { $0 != space }),
              let last = bytes.lastIndex(where: { $0 != space })
        else { return [] }
        return Array(bytes[first...last])
    }
}
