import Foundation

/// Files built into the program, named by their path in the repository (`Cases/rfc6455/01-framing.yaml`): the
/// suite wsspec carries, so that the binary alone runs it.
///
/// The build stores each file as base64 text in a string literal (the compiler takes megabytes of string literal
/// in under a second; an `[UInt8]` literal of the same octets takes minutes). A file is decoded when it is read.
public struct EmbeddedFiles: Sendable {
    public struct File: Sendable {
        public let path: String
        let base64: String

        public init(path: String, base64: String) {
            self.path = path
            self.base64 = base64
        }
    }

    /// The folder the files were under (`Cases`): case files are every `.yaml`/`.yml` below it, test data is
    /// `root/data`.
    public let root: String
    private let files: [String: File]

    public init(root: String, files: [File]) {
        self.root = root
        self.files = Dictionary(files.map { ($0.path, $0) }) { first, _ in first }
    }

    /// Every file's path, in order.
    public var paths: [String] { files.keys.sorted() }

    /// The octets of the file at `path`, nil when there is none.
    public func contents(of path: String) -> [UInt8]? {
        guard let file = files[path], let data = Data(base64Encoded: file.base64) else { return nil }
        return [UInt8](data)
    }

    /// The case files below `root`, loaded as `CaseLoader.loadDirectory` loads a folder: same order, same names in
    /// every error (`Cases/rfc6455/01-framing.yaml:12:7: error: …`).
    public func caseSuite() throws -> CaseSuite {
        let names = paths.filter { $0.hasPrefix(root + "/") && CaseLoader.isCaseFile($0) }
        return try CaseLoader.load(files: names.map { name in (name, { self.contents(of: name) ?? [] }) })
    }

    /// The test-data files of `root/data`, for the compression cases.
    public func testData() -> TestDataLibrary {
        let folder = root + "/data"
        return TestDataLibrary(builtin: folder) { name in self.contents(of: folder + "/" + name) }
    }
}
