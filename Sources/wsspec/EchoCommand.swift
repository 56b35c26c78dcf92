import ArgumentParser
import Foundation
import NIOPosix
import Testee

struct EchoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "echo", abstract: "Run wsspec's strict RFC 6455 echo server.")

    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0 picks a free one).") var port = 9001
    @Option(name: .customLong("tls-cert"), help: "PEM certificate chain: serve wss:// (needs --tls-key).") var tlsCert: String?
    @Option(name: .customLong("tls-key"), help: "PEM private key of --tls-cert.") var tlsKey: String?
    @Flag(
        name: .customLong("http2"),
        help: "Serve WebSocket over HTTP/2 (RFC 8441): h2:// (prior knowledge, HTTP/2 only) in cleartext; with TLS, ALPN picks h2s:// or wss://.")
    var http2 = false

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
        configuration.http2 = http2
        let server: EchoServer
        do {
            server = try await EchoServer.start(configuration)
        } catch let error as EchoServerError {
            throw UsageError(error.description)
        } catch {
            throw UsageError("cannot listen on \(host):\(port): \(error)")
        }
        // Unbuffered: a parent process may be waiting for this line on a pipe.
        let scheme = http2 ? (tlsCert == nil ? "h2" : "h2s") : (tlsCert == nil ? "ws" : "wss")
        FileHandle.standardOutput.write(Data("wsspec echo server listening on \(scheme)://\(host):\(server.port)\n".utf8))
        // Serve until interrupted.
        while !Task.isCancelled {
            try await Task.sleep(nanoseconds: 3_600_000_000_000)
        }
    }
}

struct EchoClientCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "echo-client",
        abstract: "Run wsspec's strict RFC 6455 echo client against a fuzzing server (wsspec serve, or the reference's).",
        discussion: "Example: wsspec test-client -- wsspec echo-client {url} --agent {agent}")

    @Argument(help: "The fuzzing server, e.g. ws://127.0.0.1:9001.") var url: String
    @Option(help: "The agent name the cases run under.") var agent = "wsspec-echo-client"

    func run() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            let count = try await EchoClient.run(url: url, agent: agent, group: group)
            try? await group.shutdownGracefully()
            FileHandle.standardError.write(Data("wsspec echo-client: \(count) cases run\n".utf8))
        } catch let problem as EchoClient.Problem {
            try? await group.shutdownGracefully()
            throw UsageError(problem.description)
        }
    }
}
