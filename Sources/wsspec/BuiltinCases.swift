import BuiltinSuite
import CaseModel
import Foundation

/// The suite wsspec runs unless told otherwise: the copy built into the binary — or a folder that replaces it,
/// named by `--builtin-cases DIR` or `WSSPEC_CASES`, for trying edited case files without rebuilding.
///
/// The binary never looks for a `Cases/` folder on its own (not even in the checkout it was built from), so a
/// binary's results depend on the binary alone; `swift build` embeds the current files again whenever one changes.
enum BuiltinCases {
    case embedded(EmbeddedFiles)
    case folder(URL)

    static func source(override: String?) -> BuiltinCases {
        if let path = override ?? ProcessInfo.processInfo.environment["WSSPEC_CASES"], !path.isEmpty {
            return .folder(URL(fileURLWithPath: path))
        }
        return .embedded(BuiltinSuite.files)
    }

    /// How messages name it.
    var name: String {
        switch self {
        case .embedded(let files): return "the built-in suite (\(files.root)/, inside wsspec)"
        case .folder(let url): return url.path
        }
    }

    /// The cases; problems are thrown as `CaseLoadError`, each with file, line and column.
    func suite() throws -> CaseSuite {
        switch self {
        case .embedded(let files): return try files.caseSuite()
        case .folder(let url): return try CaseSuite.load(directory: url)
        }
    }

    /// The names of the case files (`Cases/rfc6455/01-framing.yaml`), as the loader names them.
    var caseFileNames: Set<String> {
        switch self {
        case .embedded(let files): return Set(files.paths.filter(CaseLoader.isCaseFile))
        case .folder: return Set(((try? suite())?.cases ?? []).map(\.source.file))
        }
    }

    /// The test data of the compression cases: `folder` (`--testdata`) when given, else this suite's `data`.
    func testData(folder: String?) throws -> TestDataLibrary {
        if let folder {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw UsageError("--testdata \(folder): no such folder")
            }
            return TestDataLibrary(directory: URL(fileURLWithPath: folder))
        }
        switch self {
        case .embedded(let files): return files.testData()
        case .folder(let url): return TestDataLibrary(directory: url.appendingPathComponent("data"))
        }
    }
}
