/// A dotted case ID such as `5.19` or `6.4.3`, ordered numerically (2.9 < 2.10, 9.8.6 < 10.1.1).
public struct CaseID: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    public let components: [Int]

    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        var numbers: [Int] = []
        for part in parts {
            guard !part.isEmpty, part.allSatisfy(\.isASCII), let n = Int(part), n >= 0 else { return nil }
            numbers.append(n)
        }
        guard !numbers.isEmpty else { return nil }
        components = numbers
    }

    public var description: String { components.map(String.init).joined(separator: ".") }

    /// The first component, the category (`"5"` for 5.19).
    public var category: String { String(components[0]) }

    /// The first two components when there are three or more (`"6.4"` for 6.4.3), else nil.
    public var subcategory: String? {
        components.count >= 3 ? "\(components[0]).\(components[1])" : nil
    }

    public static func < (lhs: CaseID, rhs: CaseID) -> Bool {
        lhs.components.lexicographicallyPrecedes(rhs.components)
    }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = CaseID(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad case ID \(text)"))
        }
        self = id
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
