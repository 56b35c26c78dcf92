import CaseModel
import Engine

extension CaseRunner {
    /// The longest `run` can take for `definition`, whatever the server does: the TCP connect timeout plus
    /// the case's watchdog (everything the case may wait for, plus a margin).
    public static func deadline(of definition: CaseDefinition, settings: RunSettings) -> Double {
        settings.connectTimeout + definition.runtime.deadline(settings.timeouts)
    }
}
