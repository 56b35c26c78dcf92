import ArgumentParser
import Foundation
import Orchestration

/// How wsspec connects to and greets the servers: handshake headers, timeouts, TLS.
struct ConnectionOptions: ParsableArguments {
    @Option(
        name: [.customShort("H"), .customLong("header")],
        help: "A handshake header 'Name: value' (repeatable), e.g. -H 'Authorization: Bearer …'. 'Host: name' replaces the URL's host.")
    var headers: [String] = []

    @Option(help: "The Origin header to send.")
    var origin: String?

    @Option(name: .customLong("protocol"), help: "A subprotocol to offer (repeatable; order kept).")
    var protocols: [String] = []

    @Option(name: .customLong("user-agent"), help: "The User-Agent header (default wsspec/<version>; '' sends none).")
    var userAgent: String?

    @Option(help: "Path and query of the request (default: the URL's), e.g. /chat?room=1.")
    var path: String?

    @Option(name: .customLong("open-timeout"), help: "Seconds the opening handshake may take (default 5, as the reference).")
    var openTimeout: Double?

    @Option(name: .customLong("close-timeout"), help: "Seconds the closing handshake may take (default 1, as the reference).")
    var closeTimeout: Double?

    @Option(name: .customLong("drop-timeout"), help: "Seconds the server may take to drop TCP after closing (default 1).")
    var dropTimeout: Double?

    @Option(
        name: .customLong("timer-scale"),
        help: "Multiply the cases' own timers (pauses, close-after, kill-after) by this, for slow machines (default 1).")
    var timerScale: Double?

    @Option(help: "TLS server name (SNI) and the name the certificate must hold (default: the URL's host).")
    var sni: String?

    @Option(name: .customLong("ca-file"), help: "PEM file (or folder) of certificate authorities to trust instead of the system's.")
    var caFile: String?

    @Flag(help: "Do not verify the server's certificate or host name.")
    var insecure = false

    @Option(name: .customLong("cert"), help: "Client certificate chain (PEM) for servers that ask for one; needs --key.")
    var certificate: String?

    @Option(name: .customLong("key"), help: "Private key (PEM) of --cert.")
    var key: String?

    func validate() throws {
        for (name, value) in [("--open-timeout", openTimeout), ("--close-timeout", closeTimeout), ("--drop-timeout", dropTimeout),
                              ("--timer-scale", timerScale)]
        {
            if let value, !(value > 0 && value.isFinite) {
                throw ValidationError("\(name) must be a positive number of seconds, got \(value)")
            }
        }
        if (certificate == nil) != (key == nil) { throw ValidationError("--cert and --key go together") }
        if let path, !path.hasPrefix("/") { throw ValidationError("--path must start with '/', got '\(path)'") }
        for (name, file) in [("--ca-file", caFile), ("--cert", certificate), ("--key", key)] {
            if let file, !FileManager.default.fileExists(atPath: file) {
                throw ValidationError("\(name): no such file '\(file)'")
            }
        }
    }

    /// The options as the run reads them.
    var overrides: ConnectionOverrides {
        var o = ConnectionOverrides()
        o.headerLines = headers
        o.origin = origin
        o.protocols = protocols
        o.resource = path
        o.serverName = sni
        o.caFile = caFile
        o.insecure = insecure
        o.certificateFile = certificate
        o.keyFile = key
        o.userAgent = userAgent
        o.openTimeout = openTimeout
        o.closeTimeout = closeTimeout
        o.dropTimeout = dropTimeout
        o.timerScale = timerScale
        return o
    }
}
