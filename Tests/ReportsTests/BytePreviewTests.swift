import Foundation
import Testing
@testable import ReportFormat
@testable import Gating
@testable import Rendering
@testable import Recording
@testable import JSONCodec

@Suite("BytePreview")
struct BytePreviewTests {
    @Test("keeps at most 64 bytes and the full length")
    func keepsPrefix() {
        let preview = BytePreview(Array(repeating: UInt8(7), count: 1000))
        #expect(preview.prefix.count == 64)
        #expect(preview.length == 1000)
        #expect(BytePreview([1, 2, 3]).prefix == [1, 2, 3])
        #expect(BytePreview([UInt8]()).hexPreview == "")
        #expect(BytePreview([UInt8]()).textPreview == .string(""))
    }

    @Test("hex preview: full up to 60 bytes, else first 64 bytes and ' ...'")
    func hexThreshold() {
        let sixty = BytePreview(Array(repeating: UInt8(0xAB), count: 60))
        #expect(sixty.hexPreview == String(repeating: "ab", count: 60))
        let sixtyTwo = BytePreview(Array(repeating: UInt8(0x0C), count: 62))
        #expect(sixtyTwo.hexPreview == String(repeating: "0c", count: 62) + " ...")
        let long = BytePreview(Array(repeating: UInt8(0x01), count: 242))
        #expect(long.hexPreview == String(repeating: "01", count: 64) + " ...")
    }

    @Test("text preview of the reference's category 6 payloads")
    func referencePayloads() throws {
        // 6.2.1: valid UTF-8 with non-ASCII characters.
        let hello = BytePreview(Array("Hello-µ@ßöäüàá-UTF-8!!".utf8))
        #expect(ReferenceJSON.serialize(hello.textPreview) == #""Hello-\u00b5@\u00df\u00f6\u00e4\u00fc\u00e0\u00e1-UTF-8!!""#)
        if case .string = hello.textPreview {} else { Issue.record("valid text must be .string") }

        // 6.3.1: κόσμε + encoded U+D800 + "edited".
        let kosme = BytePreview(hexBytes("cebae1bdb9cf83cebcceb5eda080656469746564"))
        #expect(ReferenceJSON.serialize(kosme.textPreview) == #""\u03ba\u1f79\u03c3\u03bc\u03b5\ud800edited""#)

        // 6.20.1 and 6.21.1: lone surrogate, and a pair encoded as two 3-byte sequences.
        #expect(BytePreview(hexBytes("eda080")).textPreview == .utf16(units: [0xD800]))
        let pair = BytePreview(hexBytes("eda080edb080"))
        #expect(pair.textPreview == .utf16(units: [0xD800, 0xDC00]))
        #expect(ReferenceJSON.serialize(pair.textPreview) == #""\ud800\udc00""#)

        // 6.12.8: 63 continuation bytes -> 0x + all 63 bytes + " ...".
        let continuation = BytePreview((0x80...0xBE).map { UInt8($0) })
        #expect(continuation.textPreview == .string("0x" + (0x80...0xBE).map { String($0, radix: 16) }.joined() + " ..."))

        // 6.13.1: 62 bytes, all shown, then the marker.
        let starts = BytePreview((0xC0...0xDE).flatMap { [UInt8($0), 0x20] })
        #expect(starts.length == 62)
        #expect(starts.textPreview.stringValue?.hasPrefix("0xc020c120") == true)
        #expect(starts.textPreview.stringValue?.hasSuffix("de20 ...") == true)

        // A close payload: code 1000 is not valid UTF-8.
        #expect(BytePreview([0x03, 0xE8]).textPreview == .string("0x03e8"))

        // Long valid text: 64 bytes + " ...".
        let stars = BytePreview(Array(repeating: UInt8(ascii: "*"), count: 125))
        #expect(stars.textPreview == .string(String(repeating: "*", count: 64) + " ..."))

        // Cutting inside a multi-byte character makes the decoding fail.
        let cut = BytePreview(Array(repeating: UInt8(ascii: "a"), count: 63) + [0xC3, 0xA9, 0x41])
        #expect(cut.textPreview == .string("0x" + String(repeating: "61", count: 63) + "c3 ..."))
    }

    @Test(
        "Python 2 UTF-8 rules",
        arguments: [
            ("eda080", true), ("edbfbf", true), ("efbfbf", true), ("f48fbfbf", true), ("f0908080", true),
            ("c280", true), ("e0a080", true), ("7f", true),
            ("c080", false), ("c1bf", false), ("e08080", false), ("e09fbf", false), ("f0808080", false),
            ("f08fbfbf", false), ("f4908080", false), ("f5808080", false), ("f888808080", false),
            ("fc8480808080", false), ("80", false), ("bf", false), ("e282", false), ("f09080", false),
            ("c2", false), ("e2822041", false), ("fe", false), ("ff", false),
        ]
    )
    func python2Decoder(hex: String, accepted: Bool) {
        #expect((Python2UTF8.decode(hexBytes(hex)) != nil) == accepted)
    }

    @Test("a real astral character is not a surrogate")
    func astral() {
        let preview = BytePreview(hexBytes("f0908080"))
        #expect(preview.textPreview == .string("\u{10000}"))
        if case .string = preview.textPreview {} else { Issue.record("expected .string") }
    }

    /// Every preview in every reference file is re-derived from bytes and must come out equal:
    /// octet previews (`RO`/`TO`), frame previews (`RF`/`TF`) and `message`/`pong` events.
    @Test("every preview of the reference files is reproduced", .enabled(if: ReferenceFiles.available))
    func sweepReferencePreviews() throws {
        var checked = 0
        var failures: [String] = []
        for name in try ReferenceFiles.allJSONFiles() where name != "index.json" {
            let report = try ReferenceJSON.parse(try ReferenceFiles.text(name))
            var events = report["received"]?.arrayValue ?? []
            for outcome in report["expected"]?.objectValue?.values ?? [:].values {
                events += outcome.arrayValue ?? []
            }
            for event in events {
                guard let fields = event.arrayValue, fields.count >= 2,
                      fields[0] == .string("message") || fields[0] == .string("pong") || fields[0] == .string("ping")
                else { continue }
                checked += 1
                if !textPreviewMatches(fields[1], length: nil) { failures.append("\(name) event \(fields[1])") }
            }
            for entry in report["wirelog"]?.arrayValue ?? [] {
                guard let fields = entry.arrayValue, let kind = fields.first?.stringValue,
                      let pair = fields.count > 1 ? fields[1].arrayValue : nil,
                      let length = pair.first?.intValue, pair.count == 2
                else { continue }
                checked += 1
                switch kind {
                case "RO", "TO":
                    let hex = pair[1].stringValue ?? ""
                    let preview = BytePreview(prefix: hexBytes(hex.replacingOccurrences(of: " ...", with: "")), length: length)
                    if preview.hexPreview != hex { failures.append("\(name) \(kind) \(hex)") }
                case "RF", "TF":
                    if !textPreviewMatches(pair[1], length: length) { failures.append("\(name) \(kind) \(pair[1])") }
                default:
                    break
                }
            }
        }
        #expect(checked > 3000)
        #expect(failures.isEmpty, "\(failures.prefix(10))")
    }

    /// Rebuilds the bytes behind a reference text preview and checks that `BytePreview` renders
    /// them the same way. Without a known length (events), both readings of a trailing ` ...`
    /// (cut data, or part of the text) are tried.
    private func textPreviewMatches(_ shown: JSONValue, length: Int?) -> Bool {
        guard let units = shown.stringUnits else { return false }
        let marker = Array(" ...".utf16)
        let endsWithMarker = units.count >= marker.count && Array(units.suffix(marker.count)) == marker
        var readings: [(body: [UInt16], length: Int?)] = []
        if endsWithMarker && (length ?? (BytePreview.threshold + 1)) > BytePreview.threshold {
            readings.append((Array(units.dropLast(marker.count)), length ?? 1000))
        }
        if !endsWithMarker || length == nil || length! <= BytePreview.threshold {
            readings.append((units, length))
        }
        for (body, knownLength) in readings {
            var candidates = [encode(body, pairsAsFourBytes: true), encode(body, pairsAsFourBytes: false)]
            let text = String(decoding: body, as: UTF16.self)
            if text.hasPrefix("0x") {
                candidates.append(hexBytes(String(text.dropFirst(2))))
            }
            for bytes in candidates {
                let preview = BytePreview(prefix: bytes, length: knownLength ?? bytes.count)
                if bytes.count != min(preview.length, BytePreview.keptBytes) {
                    continue
                }
                if preview.textPreview == shown
                    && ReferenceJSON.serialize(preview.textPreview) == ReferenceJSON.serialize(shown) {
                    return true
                }
            }
        }
        return false
    }

    /// UTF-16 units to UTF-8, with surrogates encoded one by one (as Python 2 accepts them);
    /// valid pairs either as one 4-byte character or as two 3-byte surrogates.
    private func encode(_ units: [UInt16], pairsAsFourBytes: Bool) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = 0
        while index < units.count {
            var scalar = UInt32(units[index])
            if pairsAsFourBytes, (0xD800...0xDBFF).contains(scalar), index + 1 < units.count,
               (0xDC00...0xDFFF).contains(units[index + 1]) {
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (UInt32(units[index + 1]) - 0xDC00)
                index += 1
            }
            index += 1
            switch scalar {
            case 0..<0x80: bytes.append(UInt8(scalar))
            case 0x80..<0x800: bytes += [UInt8(0xC0 | scalar >> 6), UInt8(0x80 | scalar & 0x3F)]
            case 0x800..<0x10000:
                bytes += [UInt8(0xE0 | scalar >> 12), UInt8(0x80 | scalar >> 6 & 0x3F), UInt8(0x80 | scalar & 0x3F)]
            default:
                bytes += [UInt8(0xF0 | scalar >> 18), UInt8(0x80 | scalar >> 12 & 0x3F),
                          UInt8(0x80 | scalar >> 6 & 0x3F), UInt8(0x80 | scalar & 0x3F)]
            }
        }
        return bytes
    }
}
