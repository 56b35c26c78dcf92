import Dispatch
import Foundation
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Turns SIGINT and SIGTERM into an orderly stop: the case running is cancelled (and recorded as
/// interrupted), no further case starts, and the reports of what ran are complete.
public final class Interruption: @unchecked Sendable {
    private let lock = NSLock()
    private var received: Int32?
    /// The cancellation of every case running now (several with --jobs).
    private var running: [UUID: @Sendable () -> Void] = [:]
    private var sources: [DispatchSourceSignal] = []

    /// Starts listening for SIGINT and SIGTERM (their default action, ending the process, is switched off).
    public static func install() -> Interruption {
        let interruption = Interruption()
        for number in [SIGINT, SIGTERM] {
            _ = Foundation.signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { interruption.deliver(number) }
            source.resume()
            interruption.sources.append(source)
        }
        return interruption
    }

    /// The signal received, if any.
    public var signal: Int32? { lock.withLock { received } }

    /// The exit code for the signal: 128 + its number (130 for SIGINT, 143 for SIGTERM).
    public var exitCode: Int32? { signal.map { 128 + $0 } }

    public var signalName: String {
        switch signal {
        case SIGINT: return "SIGINT"
        case SIGTERM: return "SIGTERM"
        default: return "a signal"
        }
    }

    private func deliver(_ number: Int32) {
        let cancels = lock.withLock {
            if received == nil { received = number }
            return Array(running.values)
        }
        for cancel in cancels { cancel() }
    }

    /// Calls `body` when a signal arrives (at once when one already has).
    public func whenSignalled(_ body: @escaping @Sendable () -> Void) {
        let already = lock.withLock {
            if received == nil { running[UUID()] = body }
            return received != nil
        }
        if already { body() }
    }

    /// Runs `operation` as a task that a signal cancels.
    public func cancellable<T: Sendable>(_ operation: @escaping @Sendable () async -> T) async -> T {
        let task = Task { await operation() }
        let id = UUID()
        let alreadyInterrupted = lock.withLock {
            running[id] = { task.cancel() }
            return received != nil
        }
        if alreadyInterrupted { task.cancel() }
        let result = await task.value
        lock.withLock { running[id] = nil }
        return result
    }
}
