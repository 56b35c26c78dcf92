/// Formats doubles the way Python's `repr(float)` (and so the reference's `json.dumps`) does.
///
/// Python prints the shortest digit string that reads back to the same double. With `d` those
/// digits and the value written as `0.d × 10^e`, it uses exponent notation when `e <= -4` or
/// `e > 16` (`1e-05`, `2.5e-05`, `1e+16`, exponent with at least two digits, no `.0` on the
/// mantissa) and plain notation otherwise, always with a fraction (`1.0`, `0.0001`,
/// `1000000000000000.0`).
enum PythonFloatFormat {
    /// Python's `repr` of `value`; `NaN`, `Infinity`, `-Infinity` for non-finite values (as
    /// Python's `json.dumps` writes them).
    static func repr(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        let sign = value.sign == .minus ? "-" : ""
        if value == 0 { return sign + "0.0" }
        let (digits, pointPosition) = shortestDigits(abs(value))
        return sign + layout(digits: digits, pointPosition: pointPosition)
    }

    /// Shortest round-trip digits (no leading or trailing zeros) and the decimal point position
    /// `e` such that the value is `0.digits × 10^e`. Taken from Swift's own shortest
    /// representation, which has the same digits as Python's.
    static func shortestDigits(_ value: Double) -> (digits: [UInt8], pointPosition: Int) {
        let text = Array(value.description.utf8)
        var mantissa = text[...]
        var exponent = 0
        if let eIndex = text.firstIndex(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            mantissa = text[..<eIndex]
            exponent = Int(String(decoding: text[(eIndex + 1)...], as: UTF8.self)) ?? 0
        }
        var integerPart = mantissa
        var fractionPart = mantissa[mantissa.endIndex...]
        if let dot = mantissa.firstIndex(of: UInt8(ascii: ".")) {
            integerPart = mantissa[..<dot]
            fractionPart = mantissa[(dot + 1)...]
        }
        var digits = Array(integerPart) + Array(fractionPart)
        var pointPosition = integerPart.count + exponent
        while digits.first == UInt8(ascii: "0") {
            digits.removeFirst()
            pointPosition -= 1
        }
        while digits.last == UInt8(ascii: "0") {
            digits.removeLast()
        }
        return (digits, pointPosition)
    }

    /// Places the point (or an exponent) the way Python's `'r'` float format does.
    static func layout(digits: [UInt8], pointPosition: Int) -> String {
        let zero = UInt8(ascii: "0")
        var out: [UInt8] = []
        if pointPosition <= -4 || pointPosition > 16 {
            out.append(digits[0])
            if digits.count > 1 {
                out.append(UInt8(ascii: "."))
                out.append(contentsOf: digits[1...])
            }
            let exponent = pointPosition - 1
            out.append(UInt8(ascii: "e"))
            out.append(UInt8(ascii: exponent < 0 ? "-" : "+"))
            let magnitude = String(abs(exponent))
            if magnitude.count < 2 { out.append(zero) }
            out.append(contentsOf: magnitude.utf8)
        } else if pointPosition <= 0 {
            out.append(contentsOf: [zero, UInt8(ascii: ".")])
            out.append(contentsOf: repeatElement(zero, count: -pointPosition))
            out.append(contentsOf: digits)
        } else if pointPosition >= digits.count {
            out.append(contentsOf: digits)
            out.append(contentsOf: repeatElement(zero, count: pointPosition - digits.count))
            out.append(contentsOf: [UInt8(ascii: "."), zero])
        } else {
            out.append(contentsOf: digits[..<pointPosition])
            out.append(UInt8(ascii: "."))
            out.append(contentsOf: digits[pointPosition...])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
