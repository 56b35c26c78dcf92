import Gating
import JSONCodec
import ReportFormat
import Recording
/// The look shared by the report's pages: inline CSS only, no fonts, images or scripts from
/// anywhere, so a report opened from a local folder (or an archived CI artifact) is complete.
enum ReportStyle {
    /// The document head. `script` is the page's one inline script, if any: the
    /// Content-Security-Policy allows exactly that script (by its hash) and nothing else, so even
    /// markup that escaped escaping could not run code.
    static func head(title: String, script: String? = nil) -> String {
        let scriptSource = script.map { "'sha256-\(SHA256.base64(SHA256.hash(Array($0.utf8))))'" } ?? "'none'"
        return """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src \(scriptSource); img-src data:">
        <title>\(HTMLText.escape(title))</title>
        <style>\(css)</style>
        </head>
        """
    }

    static let css = """
        body{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;font-size:14px;margin:1em 2em;color:#222}
        h1{font-size:20px}h2{font-size:17px;margin-top:1.6em;border-bottom:1px solid #ccc}h3{font-size:15px}
        nav{margin-bottom:1em}
        .banner{color:#fff;padding:.5em .8em;border-radius:3px}
        .box{background:#f4f4f4;border:1px solid #ddd;padding:.5em .8em;border-radius:3px}
        .box.harness{background:#eee;border-color:#666}
        pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;white-space:pre-wrap;overflow-wrap:anywhere}
        pre.http{background:#f4f4f4;padding:.5em;border:1px solid #ddd}
        pre.wirelog{white-space:pre}
        table{border-collapse:collapse}
        td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}
        table.stats td:nth-child(n+2){text-align:right}
        tr.total td{font-weight:bold}
        .stability{display:inline-block;margin-left:.3em;padding:0 .3em;border-radius:3px;background:#fff;color:#000;font-size:11px}
        .stability.flaky{background:#ff0;color:#000;font-weight:bold}
        table.explanation td{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;overflow-wrap:anywhere}
        .off{color:#900}
        .wl-rxo{color:#060}.wl-txo{color:#600}.wl-txo-sync{color:#606}.wl-rxf{color:#0a0}.wl-txf{color:#a00}
        .wl-txf-sync{color:#a0a}.wl-plain{color:#000}.wl-drop-me{color:#008}
        footer{margin-top:2em;color:#777;font-size:12px}
        #matrix td.result,#matrix td.close{color:#fff;text-align:center;white-space:nowrap}
        #matrix td.result a{color:#fff}
        #matrix .detail{font-size:11px;opacity:.9}
        #matrix tr.group th{background:#333;color:#fff;text-align:left}
        #matrix tr.subgroup td{background:#ddd;font-weight:bold}
        #matrix td.case-id{white-space:nowrap}
        ul.legend{list-style:none;padding:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:3px 1.5em}
        .chip{display:inline-block;min-width:7em;color:#fff;font-weight:bold;padding:1px 6px;border-radius:2px}
        #matrix td{padding:1px 6px}
        .summary td:nth-child(n+2){text-align:right}
        #filters{margin:1em 0;padding:.5em;background:#f4f4f4;border:1px solid #ddd}
        #filters label{margin-right:1.2em}
        #hide-close:checked ~ #matrix .close{display:none}
        .desc{margin:1.2em 0}
        .desc h3{margin-bottom:.3em}
        """
}
