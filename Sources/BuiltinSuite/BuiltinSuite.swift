import CaseModel

/// What a build of wsspec carries inside it: the suite in `Cases/` as it was when the binary was built, and the
/// commit it was built from. The EmbedSuite build plugin writes `embeddedCaseFiles` and `buildCommit`.
public enum BuiltinSuite {
    /// Every file below `Cases/` (case files, `schema.json`, `data/`), named `Cases/…`.
    public static let files = EmbeddedFiles(root: "Cases", files: embeddedCaseFiles)

    /// `git describe --tags --always --dirty` at build time (or `WSSPEC_COMMIT`); nil for a build outside git.
    public static let commit: String? = buildCommit
}
