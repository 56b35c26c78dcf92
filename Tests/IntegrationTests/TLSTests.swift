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

    struct Unavailable: Error {}
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

@Suite("wss:// (TLS)", .serialized, .enabled(if: TestCertificate.openssl != nil, "needs the openssl CLI to make a certificate"))
struct TLSTests {
    @Test("wsspec's echo over TLS: the same reports as over ws://, plus the negotiated TLS version and cipher")
    func echoOverTLS() async throws {
        let certificate = try TestCertificate()
        defer { certificate.remove() }
        var configuration = EchoServerConfiguration()
        configuration.port = 0
        let plainServer = try await EchoServer.start(configuration)
        configuration.tlsCertificateFile = certificate.certificate
        configuration.tlsKeyFile = certificate.key
        let tlsServer = try await EchoServer.start(configuration)

        let plain = try await runCases(coreCategories, against: try ServerTarget(url: "ws://127.0.0.1:\(plainServer.port)"))
        let secure = try await runCases(coreCategories, against: try secureTarget(port: tlsServer.port, certificate: certificate))
        try await plainServer.stop()
        try await tlsServer.stop()

        #expect(secure.count == coreCaseCount)
        for (a, b) in zip(plain, secure) {
            var withoutTLS = b
            withoutTLS.recording.tls = nil
            withoutTLS.recording.handshakeRequest = a.httpRequest  // the Host header names the other port
            #expect(content(a) == content(withoutTLS), "\(a.caseID) differs between ws:// and wss://")
            #expect(b.harnessError == nil, "\(b.caseID): \(b.harnessError?.reason ?? "")")
            #expect(b.recording.tls?.version == "TLSv1.3")
            #expect(b.recording.tls?.cipher.hasPrefix("TLS_") == true)
        }
        let json = try #require(secure.first?.json())
        #expect(json.objectValue?.count == 40)
        #expect(json["wsspecTLS"]?["version"]?.stringValue == "TLSv1.3")
    }

    @Test(
        "Python websockets over TLS (an ssl context): the same verdicts as over ws://",
        .enabled(if: PythonEchoServer.python != nil, "set WSSPEC_PYTHON to a Python with websockets==17.4 (.ci/run does)"))
    func websocketsOverTLS() async throws {
        let certificate = try TestCertificate()
        defer { certificate.remove() }
        let plainServer = try PythonEchoServer()
        defer { plainServer.stop() }
        let tlsServer = try PythonEchoServer(tls: (certificate.certificate, certificate.key))
        defer { tlsServer.stop() }
        let plainTarget = try ServerTarget(url: "ws://127.0.0.1:\(plainServer.port)", agent: "websockets")
        let plain = try await runCases(coreCategories, against: plainTarget)
        let secure = try await runCases(
            coreCategories, against: try secureTarget(port: tlsServer.port, certificate: certificate, agent: "websockets"))

        #expect(secure.count == coreCaseCount)
        #expect(secure.allSatisfy { $0.harnessError == nil && $0.recording.tls != nil })
        let unexplained = try await unexplainedDifferences(plain, secure, "TLS") { id, seed in
            try await runCases([id], against: plainTarget, seed: seed)[0]
        }
        #expect(unexplained.isEmpty, "\(unexplained.count) cases differ:\n\(unexplained.joined(separator: "\n"))")
    }

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
