import WebSocketWire

/// Which end of the connection wsspec plays. The client (wsspec tests a server) writes the opening request,
/// validates the answer and masks what it sends; the server (wsspec tests a client) validates the request,
/// answers it, sends unmasked frames and requires the peer's to be masked.
public enum Role: Sendable, Equatable {
    case client
    case server

    var masksOutgoing: Bool { self == .client }

    /// How the frame parser reads the peer's frames.
    var parserRole: FrameParser.Role { self == .client ? .client : .server }
}
