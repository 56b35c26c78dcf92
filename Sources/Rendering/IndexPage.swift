import Gating
import JSONCodec
import ReportFormat
import Recording
import Foundation

/// `index.html`: summary, legend, filters, the matrix (catalogue §3.5) and the case descriptions.
struct IndexPage {
    let report: HTMLReport

    /// The page's only script: the filters. Without JavaScript the whole matrix shows and the
    /// filter controls stay hidden. The script reads and writes DOM properties only (never HTML),
    /// and keeps its state in the address's fragment (`#only=failures&category=5&q=text`), so a
    /// filtered view can be linked to.
    static let script = """
        (function () {
          var form = document.getElementById('filters');
          var only = document.getElementById('only-failures');
          var category = document.getElementById('category');
          var search = document.getElementById('search');
          var shown = document.getElementById('shown');
          var rows = Array.prototype.slice.call(document.querySelectorAll('#matrix tr.case'));
          var groups = Array.prototype.slice.call(document.querySelectorAll('#matrix tr.group, #matrix tr.subgroup'));
          function apply(updateAddress) {
            var failuresOnly = only.checked, cat = category.value, q = search.value.trim().toLowerCase();
            var visible = {}, count = 0;
            rows.forEach(function (row) {
              var show = (!failuresOnly || row.getAttribute('data-status') === 'fail') &&
                (!cat || row.getAttribute('data-category') === cat) &&
                (!q || row.getAttribute('data-search').indexOf(q) >= 0);
              row.hidden = !show;
              if (show) {
                count += 1;
                visible[row.getAttribute('data-category')] = true;
                visible[row.getAttribute('data-subcategory')] = true;
              }
            });
            groups.forEach(function (g) { g.hidden = !visible[g.getAttribute('data-group')]; });
            shown.textContent = count + ' of ' + rows.length + ' cases shown';
            if (updateAddress) {
              var parts = [];
              if (failuresOnly) parts.push('only=failures');
              if (cat) parts.push('category=' + encodeURIComponent(cat));
              if (q) parts.push('q=' + encodeURIComponent(q));
              try { history.replaceState(null, '', parts.length ? '#' + parts.join('&') : location.pathname); } catch (e) {}
            }
          }
          var state = {};
          location.hash.replace(/^#/, '').split('&').forEach(function (p) {
            var i = p.indexOf('=');
            if (i > 0) state[p.slice(0, i)] = decodeURIComponent(p.slice(i + 1));
          });
          if (state.only === 'failures') only.checked = true;
          if (state.category) category.value = state.category;
          if (state.q) search.value = state.q;
          only.addEventListener('change', function () { apply(true); });
          category.addEventListener('change', function () { apply(true); });
          search.addEventListener('input', function () { apply(true); });
          form.addEventListener('submit', function (e) { e.preventDefault(); });
          form.hidden = false;
          apply(false);
          document.documentElement.setAttribute('data-filters', 'ready');
        })();
        """

    private struct Row {
        var id: String
        var category: String
        var subcategory: String?
        var byAgent: [String: ReportedCase]
    }

    func render() -> String {
        let e = HTMLText.escape
        let agents = report.agents
        var rows: [String: Row] = [:]
        for c in report.cases {
            let parts = c.id.split(separator: ".").map(String.init)
            let category = parts.first ?? c.id
            let sub = parts.count >= 3 ? parts[0] + "." + parts[1] : nil
            rows[c.id, default: Row(id: c.id, category: category, subcategory: sub, byAgent: [:])].byAgent[c.agent] = c
        }
        let ordered = rows.values.sorted { CaseIDOrder.precedes($0.id, $1.id) }
        let columns = 1 + 2 * agents.count
        // Servers whose cases ran over HTTP/2 (RFC 8441, `wsspecHTTPVersion`); the others ran over HTTP/1.1.
        let http2Agents = Set(report.cases.filter { $0.json["wsspecHTTPVersion"]?.stringValue == "2" }.map(\.agent))

        var h: [String] = []
        h.append(ReportStyle.head(title: "wsspec report", script: Self.script))
        h.append("<body id=\"top\">")
        h.append("<h1>wsspec conformance report</h1>")
        let stamp = ISO8601DateFormatter.string(from: report.generated, timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withInternetDateTime])
        h.append("<p>Generated \(e(stamp)) (UTC) by \(e(report.generator)); \(ordered.count) cases × \(agents.count) \(agents.count == 1 ? "server" : "servers"); pass policy: \(e(report.policy.name)).</p>")
        h.append(summary(agents: agents))
        h.append(legend())
        h.append("<form id=\"filters\" hidden>")
        h.append("<label><input type=\"checkbox\" id=\"only-failures\"> only failures</label>")
        h.append("<label>category <select id=\"category\"><option value=\"\">all</option>")
        var categoriesSeen: [String] = []
        for row in ordered where !categoriesSeen.contains(row.category) {
            categoriesSeen.append(row.category)
            h.append("<option value=\"\(e(row.category))\">\(e(groupLabel(row.category)))</option>")
        }
        h.append("</select></label>")
        h.append("<label>search <input type=\"search\" id=\"search\" placeholder=\"case, words, outcome, close code\"></label>")
        h.append("<span id=\"shown\"></span>")
        h.append("</form>")
        h.append("<input type=\"checkbox\" id=\"hide-close\"><label for=\"hide-close\"> hide close codes</label>")
        h.append("<table id=\"matrix\">")
        var lastCategory: String?
        var lastSub: String?
        for row in ordered {
            if row.category != lastCategory {
                lastCategory = row.category
                lastSub = nil
                var cells = "<tr class=\"group\" data-group=\"\(e(row.category))\"><th>\(e(groupLabel(row.category)))</th>"
                for agent in agents {
                    let version = http2Agents.contains(agent) ? " <span class=\"http-version\">HTTP/2</span>" : ""
                    cells += "<th colspan=\"2\" class=\"agent\">\(e(agent))\(version)</th>"
                }
                h.append(cells + "</tr>")
            }
            if let sub = row.subcategory, sub != lastSub {
                lastSub = sub
                h.append("<tr class=\"subgroup\" data-group=\"\(e(sub))\"><td colspan=\"\(columns)\">\(e(groupLabel(sub)))</td></tr>")
            }
            h.append(caseRow(row, agents: agents))
        }
        h.append("</table>")
        h.append("<h2>Case descriptions</h2>")
        for row in ordered {
            guard let any = agents.lazy.compactMap({ row.byAgent[$0] }).first else { continue }
            let slug = ReportFileName.caseSlug(row.id)
            h.append("<section class=\"desc\" id=\"case_desc_\(slug)\"><h3>Case \(e(row.id))</h3><a href=\"#row_\(slug)\">Up</a>")
            h.append("<div class=\"box\"><b>Description</b><br>\(HTMLText.caseText(any.description))</div>")
            h.append("<div class=\"box\"><b>Expectation</b><br>\(HTMLText.caseText(any.expectation))</div></section>")
        }
        h.append("<footer>\(e(report.generator))</footer>")
        h.append("<script>\(Self.script)</script>")
        h.append("</body></html>")
        return h.joined(separator: "\n") + "\n"
    }

    private func groupLabel(_ id: String) -> String {
        report.title(of: id).map { "\(id) \($0)" } ?? id
    }

    private func caseRow(_ row: Row, agents: [String]) -> String {
        let e = HTMLText.escape
        let slug = ReportFileName.caseSlug(row.id)
        var failing = false
        var searchText = [row.id]
        var cells = ""
        for agent in agents {
            guard let c = row.byAgent[agent] else {
                cells += "<td class=\"result missing\" colspan=\"2\" style=\"background:\(ResultClass.missing.colour)\" data-agent=\"\(e(agent))\" data-behavior=\"MISSING\">Missing</td>"
                continue
            }
            if !report.policy.passes(c) { failing = true }
            let result = ResultClass(behavior: c.behavior)
            searchText += [c.behavior, c.behaviorClose, c.remoteCloseCode.map(String.init) ?? "", c.agent, c.stability ?? ""]
            let page = report.pageFileName(agent: agent, caseID: c.id)
            var detail = "\(c.duration) ms"
            if let ratios = c.compressionDetail { detail += " " + ratios }
            let title = e(c.behavior + ": " + c.result)
            if result == .unimplemented {
                cells += "<td class=\"result\" colspan=\"2\" style=\"background:\(result.colour)\" data-agent=\"\(e(agent))\" data-behavior=\"\(e(c.behavior))\" title=\"\(title)\">Unimplemented</td>"
                continue
            }
            cells += "<td class=\"result\" style=\"background:\(result.colour)\" data-agent=\"\(e(agent))\" data-behavior=\"\(e(c.behavior))\" title=\"\(title)\">"
                + "<a href=\"\(e(page))\">\(result.label)</a> <span class=\"detail\">\(e(detail))</span>"
                + (c.stability.map { "<span class=\"stability \(e($0))\" title=\"\(e(Console.stability(c) ?? $0))\">\($0 == "flaky" ? "⚑ flaky" : "✗ \(c.attempts.count)×")</span>" } ?? "")
                + "</td>"
            let close = CloseClass(behaviorClose: c.behaviorClose)
            cells += "<td class=\"close\" style=\"background:\(close.colour)\" data-behavior-close=\"\(e(c.behaviorClose))\" title=\"\(e(c.behaviorClose + ": " + c.resultClose))\">"
                + "\(e(close.label(remoteCloseCode: c.remoteCloseCode)))</td>"
        }
        var summaryText = ""
        if let any = agents.lazy.compactMap({ row.byAgent[$0] }).first {
            summaryText = HTMLText.plainWords(any.description)
            searchText.append(summaryText)
        }
        let search = searchText.filter { !$0.isEmpty }.joined(separator: " ").lowercased()
        let sub = row.subcategory.map { " data-subcategory=\"\(e($0))\"" } ?? ""
        return "<tr class=\"case\" id=\"row_\(slug)\" data-case=\"\(e(row.id))\" data-category=\"\(e(row.category))\"\(sub) "
            + "data-status=\"\(failing ? "fail" : "pass")\" data-search=\"\(e(search))\">"
            + "<td class=\"case-id\"><a href=\"#case_desc_\(slug)\" title=\"\(e(summaryText))\">Case \(e(row.id))</a></td>" + cells + "</tr>"
    }

    private func summary(agents: [String]) -> String {
        let e = HTMLText.escape
        let classes: [ResultClass] = [.pass, .nonStrict, .informational, .failed, .unimplemented, .error]
        var h = ["<h2>Summary</h2><table class=\"summary\" id=\"summary\"><tr><th>server</th><th>cases</th>"]
        for cls in classes { h.append("<th style=\"color:\(cls.colour)\">\(cls.label)</th>") }
        h.append("<th>close not OK</th><th>failing (policy)</th><th>total time</th></tr>")
        for agent in agents {
            let mine = report.cases.filter { $0.agent == agent }
            var row = "<tr data-agent=\"\(e(agent))\"><td>\(e(agent))</td><td>\(mine.count)</td>"
            for cls in classes {
                row += "<td data-class=\"\(cls.rawValue)\">\(mine.filter { ResultClass(behavior: $0.behavior) == cls }.count)</td>"
            }
            let closeProblems = mine.filter { ![.ok, .informational].contains(CloseClass(behaviorClose: $0.behaviorClose)) }.count
            let failing = mine.filter { !report.policy.passes($0) }.count
            let seconds = Double(mine.reduce(0) { $0 + $1.duration }) / 1000
            row += "<td>\(closeProblems)</td><td data-class=\"failing\">\(failing)</td><td>\(String(format: "%.1f", seconds)) s</td></tr>"
            h.append(row)
        }
        h.append("</table>")
        return h.joined(separator: "\n")
    }

    private func legend() -> String {
        let entries: [(String, String, String)] = [
            ("Pass", ResultClass.pass.colour, "The server did what the case expects."),
            ("Non-Strict", ResultClass.nonStrict.colour, "Accepted, though the server was more lenient or slower to react than the RFC would like."),
            ("Fail", ResultClass.failed.colour, "The server did something the case does not allow."),
            ("Info", ResultClass.informational.colour, "No verdict: the case only records what the server does."),
            ("Unimplemented", ResultClass.unimplemented.colour, "The server does not offer the feature the case tests."),
            ("Error", ResultClass.error.colour, "wsspec could not run the case (cannot connect, a problem of its own). Not the server's fault."),
            ("Missing", ResultClass.missing.colour, "The case was not run for this server."),
        ]
        let closes: [(String, String, String)] = [
            ("1000", CloseClass.ok.colour, "Close cell: the closing went as expected; the number is the server's close code (None: it sent none)."),
            ("1000", CloseClass.failedByClient.colour, "wsspec had to fail the connection at the end; the closing handshake itself was clean."),
            ("1002", CloseClass.wrongCode.colour, "The server closed with a code the case does not expect."),
            ("Unclean", CloseClass.unclean.colour, "The connection did not end with a clean closing handshake."),
            ("1000", CloseClass.informational.colour, "No verdict on the closing; the code is shown for information."),
            ("Fail", CloseClass.failed.colour, "The closing behaviour is wrong (for example the wrong side closed)."),
        ]
        var h = ["<h2>Legend</h2><ul class=\"legend\">"]
        for (word, colour, meaning) in entries + closes {
            h.append("<li><span class=\"chip\" style=\"background:\(colour)\">\(word)</span> \(HTMLText.escape(meaning))</li>")
        }
        h.append("</ul>")
        return h.joined(separator: "\n")
    }
}
