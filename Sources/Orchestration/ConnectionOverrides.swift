import Engine
import Harness
import WebSocketWire

/// What the command line sets for every server and every case of a run, over what the spec file says: the
/// handshake's headers, origin, subprotocols and path, TLS, the User-Agent and the protocol's timeouts.
public struct ConnectionOverrides: Sendable {
    /// `-H 'Name: value'` lines, as given; checked when applied.
    public var headerLines: [String] = []
    public var origin: String?
    public var protocols: [String] = []
    /// Path and query of the request (`--path`).
    public var resource: String?
    public var serverName: String?
    public var caFile: String?
    public var insecure = false
    public var certificateFile: String?
    public var keyFile: String?
    /// `--user-agent`: nil keeps the default, empty sends none.
    public var userAgent: String?
    public var openTimeout: Double?
    public var closeTimeout: Double?
    public var dropTimeout: Double?
    public var timerScale: Double?

    public init() {}

    /// The headers given with -H, checked.
    public func headers() throws -> [HeaderField] {
        do {
            return try headerLines.map { try HeaderField(line: $0) }
        } catch let problem as HeaderField.Problem {
            throw RunProblem("-H: \(problem)")
        }
    }

    /// Applies the command line to one server (from a URL or the spec file): flags override the spec's values,
    /// and -H headers come after the spec's (replacing a spec header of the same name).
    public func apply(to server: inout ServerTarget) throws {
        let extra = try headers()
        let names = Set(extra.map { $0.name.lowercased() })
        server.headers = server.headers.filter { !names.contains($0.name.lowercased()) } + extra
        if let origin { server.origin = origin }
        if !protocols.isEmpty { server.protocols = protocols }
        if let resource { server.resource = resource }
        if let serverName { server.tls.serverName = serverName }
        if let caFile { server.tls.caFile = caFile }
        if insecure { server.tls.insecure = true }
        if let certificateFile { server.tls.certificateFile = certificateFile }
        if let keyFile { server.tls.keyFile = keyFile }
        do {
            try server.checkHandshakeValues()
        } catch let problem as HeaderField.Problem {
            throw RunProblem("\(server.url): \(problem)")
        }
    }

    /// Applies the User-Agent and the timeouts to the settings of every case.
    public func apply(to settings: inout RunSettings) throws {
        if let userAgent {
            if userAgent.isEmpty {
                settings.userAgent = nil
            } else {
                do {
                    try HeaderField.checkValue(userAgent, what: "--user-agent")
                } catch let problem as HeaderField.Problem {
                    throw RunProblem(problem.description)
                }
                settings.userAgent = userAgent
            }
        }
        if let openTimeout { settings.timeouts.openHandshake = openTimeout }
        if let closeTimeout { settings.timeouts.closeHandshake = closeTimeout }
        if let dropTimeout { settings.timeouts.serverDrop = dropTimeout }
        if let timerScale { settings.timeouts.timerScale = timerScale }
    }
}
