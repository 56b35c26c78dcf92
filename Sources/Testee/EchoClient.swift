import NIOCore
import NIOPosix
import WebSocketWire

/// `wsspec echo-client`: a strict RFC 6455/7692 echo client that follows the fuzzing server's endpoint protocol
/// (the reference's and wsspec's): `/getCaseCount`, then `/runCase?case=N&agent=A` for every case, echoing each
/// message until the server closes, then `/updateReports?agent=A`. It offers permessage-deflate.
public enum EchoClient {
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Runs every case the server at `url` (`ws://host:port`) has; returns how many.
    public static func run(url: String, agent: String, group: EventLoopGroup) async throws -> Int {
        let (host, port) = try parse(url)
        let count = try await connect(host: host, port: port, resource: "/getCaseCount", keepsText: true, group: group)
        guard let text = count.first, let n = Int(text), n >= 0 else {
            throw Problem(description: "\(url)/getCaseCount did not answer with a number (got \(count))")
        }
        let name = agent.addingPercentEncoding()
        for index in 0..<n {
            _ = try await connect(host: host, port: port, resource: "/runCase?case=\(index + 1)&agent=\(name)", group: group)
        }
        _ = try await connect(host: host, port: port, resource: "/updateReports?agent=\(name)", group: group)
        return n
    }

    /// One connection, until the server closes it; the text messages received when `keepsText`.
    static func connect(host: String, port: Int, resource: String, keepsText: Bool = false, group: EventLoopGroup)
        async throws -> [String]
    {
        var generator = SeededRandom(seed: UInt64(resource.hashValue.magnitude))
        let request = HandshakeRequest(
            resource: resource, host: host, port: port, key: HandshakeRequest.randomKey(using: &generator),
            userAgent: "wsspec-echo-client", origin: nil, protocols: [],
            extensions: ["permessage-deflate; client_max_window_bits"], extraHeaders: [])
        let done = group.next().makePromise(of: [String].self)
        let machine = EchoConnectionStateMachine(client: request, keepsText: keepsText, seed: generator.next())
        do {
            _ = try await ClientBootstrap(group: group)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(EchoConnectionHandler(client: machine, done: done))
                    }
                }
                .connect(host: host, port: port).get()
        } catch {
            done.fail(error)
            throw Problem(description: "cannot connect to \(host):\(port): \(error)")
        }
        return try await done.futureResult.get()
    }

    static func parse(_ url: String) throws -> (String, Int) {
        guard url.hasPrefix("ws://") else { throw Problem(description: "'\(url)' is not a ws:// URL") }
        var rest = url.dropFirst(5)
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        let host: Substring
        let portText: Substring?
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            portText = after.hasPrefix(":") ? after.dropFirst() : nil
        } else if let colon = rest.lastIndex(of: ":") {
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        } else {
            host = rest
            portText = nil
        }
        guard let port = portText.map({ Int($0) }) ?? 80, (1...65535).contains(port), !host.isEmpty else {
            throw Problem(description: "'\(url)' has no valid host and port")
        }
        return (String(host), port)
    }
}

extension String {
    /// Percent-encodes everything but unreserved characters (RFC 3986 §2.3).
    func addingPercentEncoding() -> String {
        var out = ""
        for byte in utf8 {
            if (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || [0x2D, 0x2E, 0x5F, 0x7E].contains(byte)
            {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded()
            }
        }
        return out
    }

    fileprivate func leftPadded() -> String { count < 2 ? "0" + self : self }
}
