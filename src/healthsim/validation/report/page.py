"""One self-contained HTML page: inline CSS, the Vega/Vega-Lite/vega-embed bundle inline (from
vl-convert, so no CDN and no network), each chart's spec with its data inline, and the tables.

Every text that comes from the cohort (names, codes, notes) is HTML-escaped; specs are embedded as
JSON with '</' escaped so no value can close the script element.
"""

from __future__ import annotations

import functools
import html
import json

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#263238;background:#fafafa}
header{background:#263238;color:#fff;padding:18px 28px}header h1{margin:0;font-size:22px}
header p{margin:4px 0 0;color:#cfd8dc}main{padding:18px 28px;max-width:1500px}
section{min-width:0;background:#fff;border:1px solid #e0e0e0;border-radius:6px;padding:14px 18px;margin:0 0 18px}
h2{font-size:17px;margin:0 0 10px}.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(700px,1fr));gap:18px}
.kpis{display:flex;flex-wrap:wrap;gap:12px}.kpi{background:#eceff1;border-radius:6px;padding:8px 14px;min-width:120px}
.kpi b{display:block;font-size:20px}.kpi span{color:#546e7a;font-size:12px}
table{border-collapse:collapse;width:100%;font-size:12.5px}th,td{border-bottom:1px solid #eceff1;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f5f5f5;position:sticky;top:0}td.num{text-align:right;font-variant-numeric:tabular-nums}
.pass{color:#2e7d32;font-weight:600}.fail{color:#c62828;font-weight:600}.few,.na{color:#78909c}
.badge{display:inline-block;border-radius:10px;padding:1px 8px;font-size:12px;color:#fff}
.badge.ok{background:#2e7d32}.badge.bad{background:#c62828}.note{color:#607d8b;font-size:12px}
.chart{min-height:120px;overflow-x:auto}.empty{color:#90a4ae;font-style:italic;padding:30px 0}
details summary{cursor:pointer;color:#37474f}
"""


@functools.cache
def vega_bundle() -> str:
    import vl_convert

    return vl_convert.javascript_bundle()


def esc(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def script_json(value) -> str:
    return json.dumps(value, separators=(",", ":")).replace("</", "<\\/")


def chart_block(chart_id: str, title: str, spec: dict | None, empty: str, caption: str = "") -> str:
    cap = f'<p class="note">{esc(caption)}</p>' if caption else ""
    if spec is None:
        return (f'<section><h2>{esc(title)}</h2><div class="empty" data-chart-empty="{esc(chart_id)}">'
                f"{esc(empty)}</div></section>")
    return f'<section><h2>{esc(title)}</h2>{cap}<div class="chart" id="{esc(chart_id)}" data-chart="1"></div></section>'


def page(title: str, subtitle: str, kpis: list[tuple[str, str]], blocks: list[str], specs: dict[str, dict]) -> str:
    kpi_html = "".join(f'<div class="kpi"><b>{esc(v)}</b><span>{esc(k)}</span></div>' for k, v in kpis)
    render = (
        "const specs = " + script_json(specs) + ";\n"
        "window.healthsimCharts = {expected: Object.keys(specs).length, rendered: 0, failed: []};\n"
        "for (const [id, spec] of Object.entries(specs)) {\n"
        "  vegaEmbed('#' + id, spec, {renderer: 'svg', actions: false})\n"
        "    .then(() => { window.healthsimCharts.rendered += 1; })\n"
        "    .catch(err => { window.healthsimCharts.failed.push(id); console.error(err); });\n"
        "}\n")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{esc(title)}</title>"
        f"<style>{CSS}</style><script>{vega_bundle()}</script></head><body>"
        f"<header><h1>{esc(title)}</h1><p>{esc(subtitle)}</p></header><main>"
        f'<section><div class="kpis">{kpi_html}</div></section>'
        + "".join(blocks)
        + f"</main><script>{render}</script></body></html>\n")


def table(headers: list[str], rows: list[list[str]], numeric: set[int] | None = None) -> str:
    numeric = numeric or set()
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(
        f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>" for i, c in enumerate(r)) + "</tr>"
        for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
