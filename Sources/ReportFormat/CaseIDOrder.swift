/// The order of dotted case IDs in reports: part by part as numbers (`2.10` after `2.9`), non-numeric parts as text.
public enum CaseIDOrder {
    public static func precedes(_ a: String, _ b: String) -> Bool {
        let pa = a.split(separator: "."), pb = b.split(separator: ".")
        for (x, y) in zip(pa, pb) where x != y {
            if let nx = Int(x), let ny = Int(y) { return nx < ny }
            return x < y
        }
        return pa.count < pb.count
    }
}
