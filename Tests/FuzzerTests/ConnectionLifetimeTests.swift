import CaseModel
import Engine
import NIOCore
import NIOEmbedded
import Recording
import Testing

@testable import Harness

/// A case's handler holds its driver — for a compression case the deflater, the inflater and their buffers, some
/// 300 KB — so one that outlived its connection made a whole run grow by that much per case.
@Suite("A case's connection handler")
struct ConnectionLifetimeTests {
    /// Runs a case's handler on an embedded channel, from connect to close, and returns a weak reference to it.
    static func runAndRelease(role: Role) throws -> () -> CaseConnectionHandler? {
        weak var kept: CaseConnectionHandler?
        try {
            let loop = EmbeddedEventLoop()
            let channel = EmbeddedChannel(loop: loop)
            let done = loop.makePromise(of: CaseRecording.self)
            let engine = CaseDriver(
                definition: try ServerRoleTests.builtIn("1.1.1"), role: role, timeouts: ProtocolTimeouts(), seed: 1)
            let handler = CaseConnectionHandler(
                engine: engine, done: done,
                alreadyRead: role == .server ? ByteBuffer(bytes: ServerRoleTests.request) : nil)
            kept = handler
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9001)).wait()
            try channel.pipeline.syncOperations.addHandler(handler)
            if role == .client { channel.pipeline.fireChannelActive() }
            #expect(try channel.readOutbound(as: ByteBuffer.self) != nil, "the case wrote nothing: it did not start")
            _ = try channel.finish(acceptAlreadyClosed: true)
            let recording = try done.futureResult.wait()
            #expect(recording.connectionWasOpen || role == .client)
        }()
        return { kept }
    }

    @Test("is released once its connection is closed, in either role", arguments: [Role.client, Role.server])
    func released(role: Role) throws {
        let handler = try Self.runAndRelease(role: role)
        #expect(handler() == nil, "the handler (and its driver) outlived the connection")
    }
}
