import Foundation
import PackagePlugin

/// Builds the suite in `Cases/` into the target it is applied to, and records the commit the build comes from.
///
/// The target reaches `Cases/` through a symbolic link (`Sources/BuiltinSuite/Cases`), so the suite's files are
/// the target's own: SwiftPM notices a file added or removed and asks this plugin for its commands again, and
/// reruns `scripts/embed-suite` when a file changes. That script writes `EmbeddedCaseFiles.swift`;
/// `scripts/build-commit` writes `BuildCommit.swift` from `git describe`, again whenever the repository's git
/// folder changes (a commit, a checkout, a change to the index). Each script rewrites its file only when the
/// text changes, so an unchanged checkout recompiles nothing.
@main
struct EmbedSuite: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        guard let target = target as? SourceModuleTarget else { return [] }
        let package = context.package.directoryURL
        let scripts = package.appending(path: "scripts")
        let output = context.pluginWorkDirectoryURL
        let shell = URL(fileURLWithPath: "/bin/sh")
        let suiteFiles = target.sourceFiles.filter { $0.type != .source }.map(\.url)
        let suiteSource = output.appending(path: "EmbeddedCaseFiles.swift")
        let commitSource = output.appending(path: "BuildCommit.swift")
        var environment: [String: String] = [:]
        for name in ["PATH", "HOME", "WSSPEC_COMMIT"] {
            if let value = ProcessInfo.processInfo.environment[name] { environment[name] = value }
        }
        return [
            .buildCommand(
                displayName: "Embedding Cases/ (\(suiteFiles.count) files) in \(target.name)",
                executable: shell,
                arguments: [
                    scripts.appending(path: "embed-suite").path, package.path, package.appending(path: "Cases").path,
                    suiteSource.path,
                ],
                environment: environment,
                inputFiles: [scripts.appending(path: "embed-suite")] + suiteFiles,
                outputFiles: [suiteSource]),
            .buildCommand(
                displayName: "Recording the commit of this build",
                executable: shell,
                arguments: [scripts.appending(path: "build-commit").path, package.path, commitSource.path],
                environment: environment,
                inputFiles: [scripts.appending(path: "build-commit")] + Self.gitState(of: package),
                outputFiles: [commitSource]),
        ]
    }

    /// What changes when the commit or the index does: the git folder (git replaces HEAD and the index by
    /// renaming), its HEAD and its index. None outside a git checkout.
    static func gitState(of package: URL) -> [URL] {
        let git = Process()
        git.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        git.arguments = ["git", "-C", package.path, "rev-parse", "--absolute-git-dir"]
        let out = Pipe()
        git.standardOutput = out
        git.standardError = FileHandle.nullDevice
        guard (try? git.run()) != nil else { return [] }
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        git.waitUntilExit()
        let path = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard git.terminationStatus == 0, !path.isEmpty else { return [] }
        let folder = URL(fileURLWithPath: path)
        return [folder, folder.appending(path: "HEAD"), folder.appending(path: "index")].filter {
            FileManager.default.fileExists(atPath: $0.path)
        }
    }
}
