import CaseModel
import Foundation
import Engine
import Harness
import Recording
import ReportFormat
import Gating
import Rendering
import Recording
import JSONCodec
import Testee
import Testing

/// A self-signed certificate for the name `localhost` only (no IP address in it), made with the openssl CLI.
final class TestCertificate: Sendable {
    let directory: URL
    var certificate: String { directory.appendingPathComponent("cert.pem").path }
    var key: String { directory.appendingPathComponent("key.pem").path }

    static let openssl: String? = ["/usr/bin/openssl", "/usr/local/bin/openssl", "/opt/homebrew/bin/openssl"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    init() throws {
        guard let openssl = Self.openssl else { throw Unavailable() }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("wsspec-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: openssl)
        process.arguments = [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
            "-keyout", key, "-out", certificate,
        ]
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        while process.isRunning { usleep(10_000) }
        guard process.terminationStatus == 0, FileManager.default.fileExists(atPath: certificate) else {
            throw Failed()
        }
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    struct Unavailable: Error, CustomStringConvertible {
        var description: String { "the openssl command is needed to make a test certificate (scripts/test installs it)" }
    }
    struct Failed: Error, CustomStringConvertible {
        var description: String { "openssl could not make a test certificate" }
    }
}

/// A wss:// target on 127.0.0.1 that trusts the test certificate and checks the name `localhost`.
func secureTarget(port: Int, certificate: TestCertificate, agent: String? = nil) throws -> ServerTarget {
    var target = try ServerTarget(url: "wss://127.0.0.1:\(port)", agent: agent)
    target.tls.serverName = "localhost"
    target.tls.caFile = certificate.certificate
    return target
}

/// The ws:// and wss:// runs of the whole RFC 6455 suite against both servers are in `SuiteAgainstServersTests`.
@Suite("wss:// (TLS)", .serialized)
struct TLSTests {
    @Test("TLS problems are harness errors that say what is wrong, never the server's failure")
    func tlsFailuresAreHarnessErrors() async throws {
        let certificate = try TestCertificate()
        defer { certificate.remove() }
        var configuration = EchoServerConfiguration()
        configuration.port = 0
        configuration.tlsCertificateFile = certificate.certificate
        configuration.tlsKeyFile = certificate.key
        let tlsServer = try await EchoServer.start(configuration)
        configuration.tlsCertificateFile = nil
        configuration.tlsKeyFile = nil
        let plainServer = try await EchoServer.start(configuration)

        var untrusted = try secureTarget(port: tlsServer.port, certificate: certificate)
        untrusted.tls.caFile = nil
        var wrongName = try secureTarget(port: tlsServer.port, certificate: certificate)
        wrongName.tls.serverName = "other.example"
        var byAddress = try secureTarget(port: tlsServer.port, certificate: certificate)
        byAddress.tls.serverName = nil  // the certificate holds no IP address
        let notTLS = try secureTarget(port: plainServer.port, certificate: certificate)
        var insecure = wrongName
        insecure.tls.caFile = nil
        insecure.tls.insecure = true

        let expectations: [(ServerTarget, String)] = [
            (untrusted, "TLS certificate not trusted"),
            (wrongName, "TLS hostname mismatch"),
            (byAddress, "TLS hostname mismatch"),
            (notTLS, "TLS handshake failed"),
        ]
        for (target, message) in expectations {
            let record = try await runCases(["1.1.1"], against: target)[0]
            #expect(record.behavior == "ERROR" && record.behaviorClose == "ERROR")
            #expect(record.harnessError?.reason.hasPrefix(message) == true, "\(record.harnessError?.reason ?? "no harness error")")
        }
        let skipped = try await runCases(["1.1.1"], against: insecure)[0]
        #expect(skipped.behavior == "OK" && skipped.harnessError == nil)
        try await tlsServer.stop()
        try await plainServer.stop()
    }
}
