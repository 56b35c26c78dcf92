import ArgumentParser
import Foundation
import Testee

struct EchoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "echo", abstract: "Run wsspec's strict RFC 6455 echo server.")

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0 picks a free one).") var port = 9001
    @Option(name: .customLong("tls-cert"), help: "PEM certificate chain: serve wss:// (needs --tls-key).") var tlsCert: String?
    @Option(name: .customLong("tls-key"), help: "PEM private key of --tls-cert.") var tlsKey: String?

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0–65535, got \(port)") }
        if (tlsCert == nil) != (tlsKey == nil) { throw ValidationError("--tls-cert and --tls-key go together") }
    }

    func run() async throws {
        var configuration = EchoServerConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.tlsCertificateFile = tlsCert
        configuration.tlsKeyFile = tlsKey
        let server: EchoServer
        do {
            server = try await EchoServer.start(configuration)
        } catch let error as EchoServerError {
            throw UsageError(error.description)
        } catch {
            throw UsageError("cannot listen on \(host):\(port): \(error)")
        }
        // Unbuffered: a parent process may be waiting for this line on a pipe.
        let scheme = tlsCert == nil ? "ws" : "wss"
        FileHandle.standardOutput.write(Data("wsspec echo server listening on \(scheme)://\(host):\(server.port)\n".utf8))
        // Serve until interrupted.
        while !Task.isCancelled {
            try await Task.sleep(nanoseconds: 3_600_000_000_000)
        }
    }
}
