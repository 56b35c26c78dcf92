import Foundation
import Testing
@testable import ReportFormat
@testable import Gating
@testable import Rendering
@testable import Recording
@testable import JSONCodec

/// A Chromium to render reports with: `WSSPEC_CHROMIUM`, else `chromium` (Debian's package, which
/// `.ci/run` installs) or `chromium-browser` / `google-chrome` on the PATH.
enum Chromium {
    static let path: String? = {
        let fm = FileManager.default
        if let explicit = ProcessInfo.processInfo.environment["WSSPEC_CHROMIUM"], !explicit.isEmpty {
            return fm.isExecutableFile(atPath: explicit) ? explicit : nil
        }
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            for directory in directories {
                let candidate = "\(directory)/\(name)"
                if fm.isExecutableFile(atPath: candidate) { return candidate }
            }
        }
        return nil
    }()

    /// Loads `page` headless with JavaScript on and returns the DOM after scripts ran.
    static func dumpDOM(_ page: URL) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path!)
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("wsspec-chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        process.arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
            "--user-data-dir=\(profile.path)",
            // The checking page reads the report's pages in frames: both are local files.
            "--allow-file-access-from-files",
            "--virtual-time-budget=15000", "--dump-dom", page.absoluteString,
        ]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        // A page that blocks (an alert() that escaped escaping waits forever) must not hang the tests.
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 60, execute: watchdog)
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        watchdog.cancel()
        return String(decoding: data, as: UTF8.self)
    }
}

/// `scripts/test` (WSSPEC_REQUIRE_ALL=1) installs Chromium: there, a missing one is a failure, not a skipped test.
@Test("a Chromium is there for the browser test", .enabled(if: ProcessInfo.processInfo.environment["WSSPEC_REQUIRE_ALL"] == "1"))
func chromiumIsThere() {
    #expect(Chromium.path != nil, "no chromium: set WSSPEC_CHROMIUM or install Debian's chromium")
}

/// Renders a generated report in headless Chromium and checks what a reader would see.
@Suite("HTML report in a browser", .enabled(if: Chromium.path != nil, "no chromium (set WSSPEC_CHROMIUM or install Debian's chromium)"))
struct BrowserTests {
    /// A page next to the report that loads the report's pages in frames, runs the filters as a
    /// reader would (clicking the checkbox), and writes what it found as JSON into its own DOM.
    static let checker = """
        <!DOCTYPE html><html><head><meta charset="utf-8"></head><body><pre id="out">pending</pre>
        <script>
        var results = {};
        function frame(src) {
          return new Promise(function (resolve) {
            var f = document.createElement('iframe');
            f.style.width = '1200px'; f.style.height = '800px';
            f.onload = function () { resolve(f); };
            f.src = src;
            document.body.appendChild(f);
          });
        }
        function visibleCases(d) {
          return Array.prototype.filter.call(d.querySelectorAll('#matrix tr.case'), function (r) {
            return d.defaultView.getComputedStyle(r).display !== 'none';
          }).map(function (r) { return r.getAttribute('data-case'); });
        }
        frame('index.html').then(function (f) {
          var d = f.contentDocument, w = f.contentWindow;
          results.filtersReady = d.documentElement.getAttribute('data-filters');
          results.rows = Array.prototype.map.call(d.querySelectorAll('#matrix tr.case'), function (r) { return r.getAttribute('data-case'); });
          results.resultCells = Array.prototype.map.call(d.querySelectorAll('#matrix td.result'), function (c) {
            return [c.getAttribute('data-behavior'), w.getComputedStyle(c).backgroundColor];
          });
          results.closeCells = Array.prototype.map.call(d.querySelectorAll('#matrix td.close'), function (c) {
            return [c.getAttribute('data-behavior-close'), w.getComputedStyle(c).backgroundColor, c.textContent];
          });
          results.agentHeaders = Array.prototype.map.call(d.querySelectorAll('#matrix tr.group th.agent'), function (c) { return c.textContent; });
          results.visibleBefore = visibleCases(d);
          d.getElementById('only-failures').click();
          results.visibleFailuresOnly = visibleCases(d);
          results.hiddenGroups = Array.prototype.filter.call(d.querySelectorAll('#matrix tr.group, #matrix tr.subgroup'), function (g) { return g.hidden; })
            .map(function (g) { return g.getAttribute('data-group'); });
          d.getElementById('only-failures').click();
          var search = d.getElementById('search');
          search.value = 'wrong code';
          search.dispatchEvent(new Event('input'));
          results.visibleSearch = visibleCases(d);
          search.value = '';
          search.dispatchEvent(new Event('input'));
          var category = d.getElementById('category');
          category.value = '7';
          category.dispatchEvent(new Event('change'));
          results.visibleCategory = visibleCases(d);
          d.getElementById('hide-close').click();
          results.closeHidden = w.getComputedStyle(d.querySelector('#matrix td.close')).display;
          results.imagesInIndex = d.querySelectorAll('img').length;
          results.scriptsInIndex = d.querySelectorAll('script').length;
          return frame('index.html#only=failures');
        }).then(function (f) {
          results.visibleFromAddress = visibleCases(f.contentDocument);
          return frame('websockets_case_5_1.html');
        }).then(function (f) {
          var d = f.contentDocument;
          var cell = d.querySelector('td[data-key=remoteCloseReason]');
          results.closeReasonText = cell ? cell.textContent : null;
          results.imagesInPage = d.querySelectorAll('img').length;
          results.scriptsInPage = d.querySelectorAll('script').length;
          results.banner = d.querySelector('h1.banner').textContent;
          results.bannerColour = f.contentWindow.getComputedStyle(d.querySelector('h1.banner')).backgroundColor;
          results.wireLogLines = d.getElementById('wirelog').textContent.split('\\n').length;
          return frame('websockets_case_2_1.html');
        }).then(function (f) {
          var d = f.contentDocument;
          var text = function (key) { var c = d.querySelector('#explanation td[data-key="' + key + '"]'); return c ? c.textContent : null; };
          results.explanation = [text('rfc'), text('parts at'), text('observed'), text('replay')];
          results.scriptsInFailedPage = d.querySelectorAll('script').length;
        }).catch(function (e) { results.error = String(e); }).then(function () {
          results.pwned = window.__pwned || null;
          document.getElementById('out').textContent = JSON.stringify(results);
        });
        </script></body></html>
        """

    /// `#0a0` → `rgb(0, 170, 0)`, as computed styles report colours.
    static func rgb(_ hex: String) -> String {
        var digits = Array(hex.dropFirst())
        if digits.count == 3 { digits = digits.flatMap { [$0, $0] } }
        let values = stride(from: 0, to: 6, by: 2).map { Int(String(digits[$0...$0 + 1]), radix: 16)! }
        return "rgb(\(values[0]), \(values[1]), \(values[2]))"
    }

    @Test("rows, colours, the failure filter, search, category and an injected script, as Chromium shows them")
    func renderedReport() throws {
        let directory = ReportFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let report = HTMLReport(cases: ReportFixtures.mixedRun, generator: "wsspec test")
        try report.write(to: directory)
        let checker = directory.appendingPathComponent("check.html")
        try Data(Self.checker.utf8).write(to: checker)

        let dom = try Chromium.dumpDOM(checker)
        guard let start = dom.range(of: "<pre id=\"out\">"), let end = dom.range(of: "</pre>", range: start.upperBound..<dom.endIndex)
        else {
            Issue.record("no result in the DOM Chromium dumped: \(dom.prefix(500))")
            return
        }
        let text = String(dom[start.upperBound..<end.lowerBound])
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&amp;", with: "&")
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
        guard let results = object as? [String: Any] else {
            Issue.record("the checker wrote \(text)")
            return
        }
        #expect(results["error"] == nil, "\(results["error"] ?? "")")
        #expect(results["filtersReady"] as? String == "ready")

        // A row per case, in numeric order.
        let allCases = ["1.1.1", "1.1.2", "2.1", "3.1", "5.1", "7.1.1", "7.1.2"]
        #expect(results["rows"] as? [String] == allCases)
        #expect(results["visibleBefore"] as? [String] == allCases)

        // Every result and close cell has the colour of its outcome.
        let resultCells = results["resultCells"] as? [[String]] ?? []
        #expect(resultCells.count == 7 * 2)
        for cell in resultCells {
            let expected = cell[0] == "MISSING" ? ResultClass.missing : ResultClass(behavior: cell[0])
            #expect(cell[1] == Self.rgb(expected.colour), "\(cell[0]) is shown in \(cell[1])")
        }
        let closeCells = results["closeCells"] as? [[String]] ?? []
        #expect(closeCells.count == 10)
        for cell in closeCells {
            #expect(cell[1] == Self.rgb(CloseClass(behaviorClose: cell[0]).colour), "\(cell[0]) is shown in \(cell[1])")
        }
        #expect(closeCells.contains { $0[0] == "UNCLEAN" && $0[2] == "Unclean" })
        #expect(closeCells.contains { $0[0] == "WRONG CODE" && $0[2] == "1002" })

        // The hostile agent name is text.
        #expect((results["agentHeaders"] as? [String])?.contains(ReportFixtures.hostileAgent) == true)

        // Only failures: 2.1 (FAILED), 3.1 (UNCLEAN), 5.1 (the second server failed it), 7.1.2
        // (harness error); the groups left empty are hidden.
        let failing = ["2.1", "3.1", "5.1", "7.1.2"]
        #expect(results["visibleFailuresOnly"] as? [String] == failing)
        #expect(results["visibleFromAddress"] as? [String] == failing)
        #expect(Set(results["hiddenGroups"] as? [String] ?? []) == ["1", "1.1"])
        #expect(results["visibleSearch"] as? [String] == ["2.1"])
        #expect(results["visibleCategory"] as? [String] == ["7.1.1", "7.1.2"])

        // "hide close codes" works with CSS alone.
        #expect(results["closeHidden"] as? String == "none")

        // The injected markup is shown as text and ran nothing.
        #expect(results["pwned"] is NSNull)
        #expect(results["closeReasonText"] as? String == ReportFixtures.hostileReason)
        #expect(results["imagesInPage"] as? Int == 0)
        #expect(results["scriptsInPage"] as? Int == 0)
        #expect(results["imagesInIndex"] as? Int == 0)
        #expect(results["scriptsInIndex"] as? Int == 1)
        #expect((results["banner"] as? String)?.hasPrefix("websockets - Case 5.1 : Pass - 3 ms") == true)
        #expect(results["bannerColour"] as? String == Self.rgb(ResultClass.pass.colour))
        #expect(results["wireLogLines"] as? Int == 7)

        // A failing case's page explains it; the server's text in the explanation is text too.
        #expect(results["explanation"] as? [String] == [
            "RFC 6455 §5.5.2 — A Ping MUST be answered with a Pong.", "event 1: expected pong empty, the server sent nothing more",
            "no events | close: the server sent Close 1002 " + ReportFixtures.hostileReason,
            "wsspec run ws://127.0.0.1:9001 --cases 2.1 --seed 1",
        ])
        #expect(results["scriptsInFailedPage"] as? Int == 0)
    }
}
