import Testing

@testable import Engine
@testable import Harness
import Recording

@Suite("ServerTarget URLs")
struct ServerTargetTests {
    @Test(
        "ws:// and wss:// URLs: host, port (80/443 by default), resource with path and query",
        arguments: [
            ("ws://127.0.0.1:9001", false, "127.0.0.1", 9001, "/"),
            ("ws://localhost", false, "localhost", 80, "/"),
            ("wss://example.com", true, "example.com", 443, "/"),
            ("wss://example.com:8443/chat", true, "example.com", 8443, "/chat"),
            ("ws://example.com/a/b?x=1&y=2", false, "example.com", 80, "/a/b?x=1&y=2"),
            ("ws://example.com?x=1", false, "example.com", 80, "/?x=1"),
            ("ws://example.com:9001/", false, "example.com", 9001, "/"),
            ("ws://[::1]:9001/echo", false, "::1", 9001, "/echo"),
            ("wss://[2001:db8::1]/", true, "2001:db8::1", 443, "/"),
            ("WS://Example.com:1/", false, "Example.com", 1, "/"),
            ("ws://h:65535", false, "h", 65535, "/"),
        ])
    func parses(url: String, secure: Bool, host: String, port: Int, resource: String) throws {
        let target = try ServerTarget(url: url)
        #expect(target.url == url)
        #expect(target.secure == secure)
        #expect(target.host == host)
        #expect(target.port == port)
        #expect(target.resource == resource)
    }

    @Test("agent, origin and protocols are kept as given")
    func options() throws {
        let target = try ServerTarget(url: "ws://h", agent: "MyServer", origin: "http://h", protocols: ["chat"])
        #expect(target.agent == "MyServer" && target.origin == "http://h" && target.protocols == ["chat"])
        #expect(try ServerTarget(url: "ws://h").agent == nil)
    }

    @Test(
        "URLs that are refused, with a message that says why",
        arguments: [
            ("http://127.0.0.1:9001", "must start with ws:// or wss://"),
            ("127.0.0.1:9001", "must start with ws:// or wss://"),
            ("ws://example.com/#top", "fragment"),
            ("ws://example.com/path?q=1#top", "fragment"),
            ("ws://example.com:0", "'0' is not a port number"),
            ("ws://example.com:65536", "'65536' is not a port number"),
            ("ws://example.com:http", "'http' is not a port number"),
            ("ws://example.com:/", "'' is not a port number"),
            ("ws://[::1]:99999/", "'99999' is not a port number"),
            ("ws://[::1/", "unterminated IPv6"),
            ("ws://", "has no host"),
            ("ws://:9001/", "has no host"),
        ])
    func refuses(url: String, words: String) {
        #expect {
            try ServerTarget(url: url)
        } throws: { error in
            let text = "\(error)"
            return error is ServerTarget.InvalidURL && text.contains(words) && text.contains(url)
        }
    }

    @Test(
        "junk between a bracketed IPv6 address and the port or path is refused",
        arguments: ["ws://[::1]9001/", "ws://[::1]x:80/"])
    func ipv6Junk(url: String) {
        #expect(throws: ServerTarget.InvalidURL.self) { try ServerTarget(url: url) }
    }
}
