import BuiltinSuite
import CaseModel
import Foundation
import Testing

@Suite("The suite built into wsspec")
struct EmbeddedSuiteTests {
    /// Every file below `Cases/` but hidden ones, named `Cases/…`.
    static func filesOnDisk() -> [String] {
        let base = builtInCaseDirectory.deletingLastPathComponent().path + "/"
        var names: [String] = []
        let walker = FileManager.default.enumerator(
            at: builtInCaseDirectory, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
        while let url = walker?.nextObject() as? URL {
            if (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true {
                names.append(String(url.standardizedFileURL.path.dropFirst(base.count)))
            }
        }
        return names.sorted()
    }

    @Test("holds every file of Cases/, byte for byte")
    func sameFiles() throws {
        let files = BuiltinSuite.files
        #expect(files.paths == Self.filesOnDisk())
        #expect(files.paths.contains("Cases/schema.json"))
        for path in files.paths {
            let onDisk = try Data(contentsOf: builtInCaseDirectory.deletingLastPathComponent().appendingPathComponent(path))
            #expect(files.contents(of: path) == [UInt8](onDisk), "\(path) differs from the file")
        }
        #expect(files.contents(of: "Cases/no-such-file.yaml") == nil)
    }

    @Test("loads to the same cases, with the same source locations, as the folder")
    func sameSuite() throws {
        let embedded = try BuiltinSuite.files.caseSuite()
        let folder = try CaseLoader.loadDirectory(builtInCaseDirectory)
        #expect(embedded.cases.count == folder.cases.count)
        #expect(embedded.cases == folder.cases)
        #expect(embedded.groups == folder.groups)
        #expect(embedded.cases.first?.source.file == "Cases/rfc6455/01-framing.yaml")
    }

    @Test("a problem in an embedded file is named by its path in the repository, with line and column")
    func problemsNameThePath() throws {
        let broken = "category: { id: \"1\", title: Framing }\ncases:\n  - id: \"1.1\"\n    sned: x\n"
        let files = EmbeddedFiles(root: "Cases", files: [
            .init(path: "Cases/rfc6455/01-framing.yaml", base64: Data(broken.utf8).base64EncodedString()),
            .init(path: "Cases/data/not-a-case.bin", base64: Data([0xFF, 0x00]).base64EncodedString()),
            .init(path: "Elsewhere/ignored.yaml", base64: Data("not: [a case".utf8).base64EncodedString()),
        ])
        do {
            _ = try files.caseSuite()
            Issue.record("the broken file loaded")
        } catch let error as CaseLoadError {
            #expect(error.problems.count == 1)
            let problem = try #require(error.problems.first)
            #expect(problem.location.file == "Cases/rfc6455/01-framing.yaml")
            #expect(problem.location.line == 3 || problem.location.line == 4)
            #expect(problem.description.hasPrefix("Cases/rfc6455/01-framing.yaml:\(problem.location.line):"))
        }
    }

    @Test("test data comes from the suite's data folder, and a missing file names where it was looked for")
    func testData() throws {
        let library = BuiltinSuite.files.testData()
        let onDisk = try Data(contentsOf: builtInCaseDirectory.appendingPathComponent("data/lena512.bmp"))
        #expect(try library.dataSet("lena512.bmp", text: false).bytes == [UInt8](onDisk))
        #expect(library.directory.path == "/Cases/data")
        #expect(!library.directory.isFileURL)
        #expect(throws: TestDataError("test-data file nothing.bin cannot be read in the built-in Cases/data (set --testdata DIR)")) {
            try library.dataSet("nothing.bin", text: false)
        }
    }
}
