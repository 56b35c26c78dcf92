import CaseModel
import Engine
import Foundation
import Fuzzing
import Harness
import NIOPosix
import Recording
import Testee
import ReportFormat
import Testing

/// `wsspec fuzz` against servers with one planted bug each, and against correct ones.
@Suite("wsspec fuzz against servers", .serialized)
struct FuzzTests {
    static let seed: UInt64 = 2026

    /// Short timers: a planted bug makes sequences wait for them.
    static func settings() -> RunSettings {
        var settings = RunSettings(seed: 1)
        settings.timeouts.closeHandshake = 0.5
        settings.timeouts.serverDrop = 0.5
        return settings
    }

    static func fuzz(
        _ url: String, runs: Int, maxFindings: Int? = nil, wait: Double = 0.5, jobs: Int = 1
    ) async throws -> (FuzzResult, Fuzzer) {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: jobs > 1 ? 2 : 1)
        var options = FuzzOptions(seed: seed, runs: runs)
        options.jobs = jobs
        options.wait = wait
        options.maxFindings = maxFindings
        options.reviveTimeout = 3
        let fuzzer = Fuzzer(runner: CaseRunner(group: group, settings: settings()), server: try ServerTarget(url: url), options: options)
        return (await fuzzer.run(), fuzzer)
    }

    static func describe(_ result: FuzzResult) -> String {
        result.findings.map { f in
            "sequence \(f.index + 1): \(f.findingClass.title) (\(f.rule.clause))\n"
                + CaseFileWriter.file([f.trial.definition], comment: []) + "received: \(f.trial.record.received)\n"
                + "closing: \(f.trial.record.recording.closing)"
        }.joined(separator: "\n")
    }

    @Test(
        "each planted bug is found from a fixed seed, shrunk to a few steps, and its case file replays to the same verdict",
        arguments: [
            (PlantedBug.crashOn126, FindingClass.crash), (.echoesInvalidUTF8, .acceptedInvalid), (.wrongPong, .wrongEcho),
            (.close1000OnReservedOpcode, .wrongCloseCode), (.hangsOnFragmentedPing, .hang),
        ])
    func planted(_ bug: PlantedBug, _ expected: FindingClass) async throws {
        let server = try PlantedBugServer(bug)
        defer { server.stop() }
        let (result, fuzzer) = try await Self.fuzz(server.url, runs: 150, maxFindings: 1)
        let finding = try #require(result.findings.first, "nothing found in \(result.sequences) sequences")
        #expect(finding.findingClass == expected, "\(Self.describe(result))")
        #expect(finding.reproduced)
        #expect(finding.shrunk.count <= 3, "\(Self.describe(result))")
        #expect(result.sequences <= 150)
        // The planted server declines permessage-deflate, and no bug needs the offer: the shrinking drops it.
        #expect(!result.serverAcceptsDeflate)
        #expect(finding.shrunkDeflate == .none)

        // The case file, read back, runs to the same verdict.
        let definition = FuzzCase.definition(
            finding.trial.oracle, world: finding.trial.world, wait: 0.5, id: CaseID("90.1")!, rule: finding.rule)
        let text = CaseFileWriter.file([definition], comment: ["planted \(bug)"])
        let loaded = try #require(try CaseLoader.load(yaml: text, file: "finding.yaml").cases.first)
        if bug == .crashOn126 { #expect(await fuzzer.isAlive()) }
        let replay = await fuzzer.runner.run(loaded, ordinal: 1, server: fuzzer.server)
        let before = try #require(finding.trial.record.judgement)
        let after = try #require(replay.judgement, "\(replay.outcome)")
        #expect(after.behavior == before.behavior, "\(text)")
        #expect(after.behaviorClose == before.behaviorClose, "\(text)")
        if bug == .crashOn126 {
            // The case's own verdict may pass (dropping TCP fails a connection too); the crash shows afterwards.
            #expect(!(await fuzzer.isAlive()))
        } else {
            #expect(!FuzzCase.passes(after))
        }
    }

    @Test("a correct server: the same generator and oracle find nothing in 300 sequences")
    func correctServer() async throws {
        let server = try PlantedBugServer(.none)
        defer { server.stop() }
        let (result, _) = try await Self.fuzz(server.url, runs: 300)
        #expect(result.sequences == 300)
        #expect(result.counts.isEmpty, "\(Self.describe(result))")
        // It declines permessage-deflate: the sequences that offer it go on without compression.
        #expect(!result.serverAcceptsDeflate)
        #expect(result.offeredDeflate > 50 && result.negotiatedDeflate == 0, "\(result.offeredDeflate) \(result.negotiatedDeflate)")
    }

    @Test("--jobs 4: the same 300 sequences, four at once, find nothing against the correct server")
    func jobs() async throws {
        let server = try PlantedBugServer(.none)
        defer { server.stop() }
        let (result, _) = try await Self.fuzz(server.url, runs: 300, jobs: 4)
        #expect(result.sequences == 300)
        #expect(result.counts.isEmpty, "\(Self.describe(result))")
    }

    @Test("wsspec echo: nothing found in 300 sequences, permessage-deflate negotiated in those that offer it")
    func echoServer() async throws {
        let server = try await startEchoServer()
        let (result, fuzzer) = try await Self.fuzz("ws://127.0.0.1:\(server.port)", runs: 300, wait: 1)
        #expect(result.counts.isEmpty, "\(Self.describe(result))")
        #expect(result.serverAcceptsDeflate)
        #expect(result.negotiatedDeflate > 50, "\(result.negotiatedDeflate) of \(result.sequences)")
        #expect(result.negotiatedDeflate == result.offeredDeflate, "\(result.negotiatedDeflate) of \(result.offeredDeflate) offers")

        // A sequence with compressed messages, written as a case file and read back, negotiates permessage-deflate
        // again when replayed and passes.
        let index = try #require(
            (0..<300).first { index in
                Fuzzer.deflateUse(seed: Self.seed, index: index, serverAccepts: true) == .negotiated
                    && FuzzGenerator.sequence(seed: Self.seed, index: index, deflate: true).contains { step in
                        if case .send(let frame) = step { return frame.rsv == 4 && frame.opcode == .text }
                        return false
                    }
            })
        let oracle = Oracle(FuzzGenerator.sequence(seed: Self.seed, index: index, deflate: true), deflate: .negotiated)
        let definition = FuzzCase.definition(oracle, world: oracle.worlds[0], wait: 1, id: CaseID("90.1")!)
        let text = CaseFileWriter.file([definition], comment: [])
        let loaded = try #require(try CaseLoader.load(yaml: text, file: "finding.yaml").cases.first)
        #expect(loaded.deflateOffers == [DeflateUse.offer])
        let (replay, recording) = await fuzzer.runner.runKeepingEvents(loaded, ordinal: 1, server: fuzzer.server)
        #expect(DeflateUse.accepted(try #require(recording)))
        #expect(FuzzCase.passes(try #require(replay.judgement)), "\(text)")
        print("wsspec echo: \(result.negotiatedDeflate) of \(result.sequences) sequences negotiated permessage-deflate")
        try await server.stop()
    }

    /// Python websockets 17.4 answers a Close that arrives between the fragments of a message with 1002
    /// "incomplete fragmented message". RFC 6455 §5.4 lets control frames come between fragments and §5.5.1 asks for
    /// a Close in answer, echoing the code (the suite's 7.1.5 fails on websockets the same way). That is the one
    /// finding the fixed seed's 300 sequences may show; anything else fails the test.
    @Test("Python websockets 17.4: 300 sequences find nothing but its known answer to a Close inside a fragmented message")
    func websockets() async throws {
        let server = try PythonEchoServer()
        defer { server.stop() }
        let (result, _) = try await Self.fuzz("ws://127.0.0.1:\(server.port)", runs: 300, wait: 1)
        #expect(Set(result.counts.keys).isSubset(of: [.wrongCloseCode]), "\(Self.describe(result))")
        // websockets accepts permessage-deflate: the sequences that offer it send compressed messages too.
        #expect(result.serverAcceptsDeflate)
        #expect(result.negotiatedDeflate > 50, "\(result.negotiatedDeflate) of \(result.sequences)")
        print("websockets: \(result.negotiatedDeflate) of \(result.sequences) sequences negotiated permessage-deflate")
        for finding in result.findings {
            #expect(finding.rule.clause == "6455 §5.5.1", "\(Self.describe(result))")
            #expect(finding.trial.record.recording.closing.remoteCloseCode == .protocolError)
            #expect(finding.trial.record.recording.closing.remoteCloseReason == "incomplete fragmented message")
            #expect(finding.shrunk.count <= 2, "\(Self.describe(result))")
        }
    }
}

@Suite("wsspec fuzz: the liveness probe")
struct FuzzProbeTests {
    @Test("a correct server is alive; a crashed one is not")
    func probe() async throws {
        let server = try PlantedBugServer(.none)
        defer { server.stop() }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let runner = CaseRunner(group: group, settings: FuzzTests.settings())
        let target = try ServerTarget(url: server.url)
        let (_, kept) = await runner.runKeepingEvents(FuzzCase.probe(wait: 0.5), ordinal: 0, server: target)
        let recording = try #require(kept)
        #expect(recording.received == [.message(Array("wsspec fuzz: still alive?".utf8), binary: false)])
        let fuzzer = Fuzzer(runner: runner, server: target, options: FuzzOptions(seed: 1, runs: 1))
        #expect(await fuzzer.isAlive())
        server.state.crash()
        #expect(!(await fuzzer.isAlive()))
        #expect(await fuzzer.isAlive())
    }
}

@Suite("wsspec fuzz: the command line")
struct FuzzCommandLineTests {
    @Test("fuzz finds the planted bug, exits 1 and writes a case file and reports; run --case-dir replays the verdict")
    func endToEnd() throws {
        let server = try PlantedBugServer(.close1000OnReservedOpcode)
        defer { server.stop() }
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (code, out, err) = try WSSpecProcess.run(
            [
                "fuzz", server.url, "--seed", "2026", "--runs", "150", "--max-findings", "1", "--wait", "0.5",
                "--findings", "findings", "--outdir", "fuzz", "--close-timeout", "0.5", "--drop-timeout", "0.5",
            ], in: scratch.url, seconds: 120)
        #expect(code == 1, "\(out)\n\(err)")
        #expect(out.contains("wrong close code: 1"), "\(out)")
        let files = try FileManager.default.contentsOfDirectory(atPath: scratch.url.appendingPathComponent("findings").path)
        #expect(files == ["finding-1-wrong-close-code.yaml"], "\(files)")
        let found = try ReferenceIndex.load(scratch.url.appendingPathComponent("fuzz/index.json"))
        let entry = try #require(found.values.first?["90.1"], "\(found)")
        #expect(entry.behaviorClose == "WRONG CODE")
        #expect(scratch.exists("fuzz/index.html"))

        let (replayCode, replayOut, replayErr) = try WSSpecProcess.run(
            ["run", server.url, "--case-dir", "findings", "--suite", "fuzz", "--outdir", "replay", "--no-html"],
            in: scratch.url, seconds: 60)
        #expect(replayCode == 1, "\(replayOut)\n\(replayErr)")
        let replayed = try ReferenceIndex.load(scratch.url.appendingPathComponent("replay/index.json"))
        let again = try #require(replayed.values.first?["90.1"], "\(replayed)")
        #expect(again.behavior == entry.behavior)
        #expect(again.behaviorClose == entry.behaviorClose)
        #expect(again.remoteCloseCode == entry.remoteCloseCode)
    }
}
