import Gating
import JSONCodec
import ReportFormat
import Recording
/// Escaping for text that goes into an HTML page.
///
/// Everything a server sends (payload previews, close reasons, response headers, its agent name)
/// reaches the report through `escape`, so no byte of it can open a tag, end an attribute or start
/// a script. Control characters that HTML would drop or treat as parse errors are shown as
/// Unicode "control pictures" (U+2400 + code), so a NUL in a payload is visible as `␀` instead of
/// disappearing.
public enum HTMLText {
    /// `text` with `& < > " '` replaced by character references and C0/DEL control characters
    /// (other than tab, line feed and carriage return) replaced by their control pictures. Safe in
    /// element content and in quoted attribute values.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 {
                    out.unicodeScalars.append(Unicode.Scalar(0x2400 + scalar.value)!)
                } else if scalar.value == 0x7F {
                    out.unicodeScalars.append(Unicode.Scalar(0x2421)!)
                } else if scalar.value == 0xFFFE || scalar.value == 0xFFFF {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}

extension HTMLText {
    /// Tags a case's description or expectation may use (the reference's texts contain `<b>` and
    /// `<br>`); everything else stays escaped text.
    static let allowedCaseTextTags = ["b", "/b", "i", "/i", "br", "br/", "br /", "code", "/code", "p", "/p"]

    /// Case description or expectation: escaped, then the harmless formatting tags of
    /// `allowedCaseTextTags` (written exactly so, without attributes) are let through.
    static func caseText(_ text: String) -> String {
        var out = escape(text)
        for tag in allowedCaseTextTags {
            out = out.replacingOccurrences(of: "&lt;\(tag)&gt;", with: "<\(tag)>")
        }
        return out
    }

    /// Case text reduced to plain words (tags removed), for search attributes and tooltips.
    static func plainWords(_ text: String) -> String {
        var out = ""
        var inTag = false
        for character in text {
            if character == "<" { inTag = true; out.append(" "); continue }
            if character == ">" && inTag { inTag = false; continue }
            if !inTag { out.append(character) }
        }
        return out.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}
