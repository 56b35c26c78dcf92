import Foundation
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The client under test as a child process in a process group of its own, so that stopping it stops whatever it
/// started too, and whose end is seen as soon as it exits (Foundation's `Process` waits until every process that
/// inherited its descriptors is gone, which a client's own children can delay).
final class ChildProcess: @unchecked Sendable {
    let pid: pid_t
    private let lock = NSLock()
    private var status: Int32?

    /// Starts `executable` with `arguments` (without the program name) and `environment`; its standard output goes
    /// to wsspec's standard error.
    init(executable: String, arguments: [String], environment: [String: String]) throws {
        var fileActions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fileActions)
        defer { posix_spawn_file_actions_destroy(&fileActions) }
        posix_spawn_file_actions_adddup2(&fileActions, 2, 1)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        posix_spawnattr_setpgroup(&attributes, 0)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGINT)
        sigaddset(&defaults, SIGTERM)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var child: pid_t = 0
        let result = posix_spawn(&child, executable, &fileActions, &attributes, argv, envp)
        guard result == 0 else { throw Failure(reason: String(cString: strerror(result))) }
        pid = child
    }

    struct Failure: Error, CustomStringConvertible {
        var reason: String
        var description: String { reason }
    }

    /// nil while it runs; its exit status (128 + the signal when a signal ended it) once it has ended.
    var exitStatus: Int32? {
        lock.lock()
        defer { lock.unlock() }
        if let status { return status }
        var raw: Int32 = 0
        guard waitpid(pid, &raw, WNOHANG) == pid else { return nil }
        let signal = raw & 0x7F
        status = signal == 0 ? (raw >> 8) & 0xFF : 128 + signal
        return status
    }

    var isRunning: Bool { exitStatus == nil }

    /// Sends `signal` to the child's whole process group.
    func signalGroup(_ signal: Int32) {
        guard isRunning else { return }
        kill(-pid, signal)
    }

    /// Stops the group: SIGTERM, then SIGKILL when the child is still running two seconds later. Processes the
    /// client left behind in its group get the SIGKILL too.
    func stop() async {
        signalGroup(SIGTERM)
        for _ in 0..<40 where isRunning {
            try? await Task.sleep(nanoseconds: 50_000_000)
        }
        kill(-pid, SIGKILL)
        while isRunning { try? await Task.sleep(nanoseconds: 10_000_000) }
    }
}
