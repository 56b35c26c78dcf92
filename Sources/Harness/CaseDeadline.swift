import CaseModel
import Engine

extension CaseRunner {
    /// The longest `run` can take for `definition`, whatever the server does: the TCP connect timeout plus
    /// the case's watchdog (everything the case may wait for, plus a margin).
    public static func deadline(of definition: CaseDefinition, settings: RunSettings) -> Double {
        settings.connectTimeout + definition.runtime.deadline(settings.timeouts)
    }
}

extension CaseRuntime {
    /// The watchdog's deadline under `timeouts`: what `CaseEngine.watchdogDeadline` schedules.
    public func deadline(_ timeouts: ProtocolTimeouts) -> Double {
        deadline(
            openHandshake: timeouts.openHandshake, closeHandshake: timeouts.closeHandshake,
            serverDrop: timeouts.serverDrop, margin: timeouts.watchdogMargin, timerScale: timeouts.timerScale)
    }
}
