"""The report's plots as Vega-Lite specifications, built with Altair.

Each function takes the rows from report/data.py (and the validation result) and returns a
Vega-Lite dict, or None when the cohort has nothing to show (no A1c results in a commercial cohort):
the page then says so instead of drawing an empty frame. Data is inline in each spec, so the page
needs no files and no network.
"""

from __future__ import annotations

import altair as alt

from healthsim.validation.result import ValidationResult

WIDTH = 400
LABELS = 230  # room for y-axis labels such as 'ED visits per member-year · Medicare 65-74'
PASS, FAIL, NEUTRAL = "#2e7d32", "#c62828", "#607d8b"
SEX_COLOURS = alt.Scale(domain=["F", "M"], range=["#d81b60", "#1e88e5"])


def _spec(chart: alt.TopLevelMixin) -> dict:
    spec = chart.configure_axisY(labelLimit=LABELS).configure_view(stroke=None).to_dict()
    spec.pop("$schema", None)  # a URL the page never fetches; dropped so nothing points outside
    return spec


def _data(rows: list[dict]) -> alt.Data:
    return alt.Data(values=rows)


def age_sex_pyramid(rows: list[dict]) -> dict | None:
    if not rows:
        return None
    order = [r["band"] for r in sorted({r["order"]: r for r in rows}.values(), key=lambda r: -r["order"])]
    chart = alt.Chart(_data(rows)).mark_bar().encode(
        y=alt.Y("band:O", sort=order, title="age"),
        x=alt.X("signed:Q", title="members (men left, women right)",
                axis=alt.Axis(labelExpr="format(abs(datum.value), ',')")),
        color=alt.Color("sex:N", scale=SEX_COLOURS, title="sex"),
        tooltip=[alt.Tooltip("band:O", title="age"), "sex:N", alt.Tooltip("members:Q", format=",")],
    ).properties(width=WIDTH, height=max(160, 18 * len(order)))
    return _spec(chart)


def prevalence_vs_target(rows: list[dict]) -> dict | None:
    """rows: label, realised, low, high, target, kind ('profile target' | 'published')."""
    if not rows:
        return None
    base = alt.Chart(_data(rows)).encode(y=alt.Y("label:N", sort=None, title=None))
    bars = base.mark_bar(color="#90a4ae").encode(
        x=alt.X("realised:Q", title="share of members", axis=alt.Axis(format="%")),
        tooltip=["label:N", alt.Tooltip("realised:Q", format=".1%"), alt.Tooltip("target:Q", format=".1%"),
                 alt.Tooltip("low:Q", format=".1%", title="low (99%)"), alt.Tooltip("high:Q", format=".1%", title="high (99%)"),
                 "kind:N"])
    err = base.mark_rule(color="#37474f").encode(x="low:Q", x2="high:Q")
    ticks = base.mark_tick(thickness=3, size=16).encode(
        x="target:Q", color=alt.Color("kind:N", title="target", legend=alt.Legend(orient="bottom"), scale=alt.Scale(
            domain=["profile target", "published"], range=["#000000", "#ef6c00"])))
    chart = alt.layer(bars, err, ticks).properties(
        width=WIDTH, height=max(120, 20 * len(rows)))
    return _spec(chart)


def _benchmark_rows(result: ValidationResult, units: tuple[str, ...] | None) -> list[dict]:
    rows = []
    for b in result.benchmarks:
        m = b.measurement
        if b.status not in ("pass", "fail") or m is None or m.value is None:
            continue
        if units is not None and b.unit not in units:
            continue
        low, high = b.row.bounds()
        interval = m.interval() or (m.value, m.value)
        rows.append({"label": f"{b.metric_label} · {b.population_label}", "id": b.row.id,
                     "realised": m.value, "low": interval[0], "high": interval[1],
                     "published": b.row.published, "accept_low": low, "accept_high": high,
                     "status": b.status, "source": f"{b.row.source} ({b.row.year})", "unit": b.unit,
                     "ratio": m.value / b.row.published if b.row.published else None,
                     "ratio_low": interval[0] / b.row.published if b.row.published else None,
                     "ratio_high": interval[1] / b.row.published if b.row.published else None,
                     "band_low": low / b.row.published if b.row.published else None,
                     "band_high": high / b.row.published if b.row.published else None})
    return rows


def utilization_vs_published(result: ValidationResult) -> dict | None:
    rows = _benchmark_rows(result, ("per member-year",))
    if not rows:
        return None
    base = alt.Chart(_data(rows)).encode(y=alt.Y("label:N", sort=None, title=None))
    band = base.mark_bar(color="#c8e6c9", height=14).encode(x=alt.X("accept_low:Q", title="per member-year"),
                                                            x2="accept_high:Q")
    published = base.mark_tick(color="#1b5e20", thickness=2, size=18).encode(x="published:Q")
    err = base.mark_rule(strokeWidth=2).encode(x="low:Q", x2="high:Q", color=_status_colour())
    point = base.mark_point(filled=True, size=70).encode(
        x="realised:Q", color=_status_colour(),
        tooltip=["label:N", alt.Tooltip("realised:Q", format=".3f"), alt.Tooltip("low:Q", format=".3f"),
                 alt.Tooltip("high:Q", format=".3f"), alt.Tooltip("published:Q", format=".3f"), "status:N", "source:N"])
    chart = alt.layer(band, published, err, point).properties(width=WIDTH, height=max(120, 24 * len(rows)))
    return _spec(chart)


def benchmark_ratios(result: ValidationResult) -> dict | None:
    rows = [r for r in _benchmark_rows(result, None) if r["ratio"] is not None]
    if not rows:
        return None
    base = alt.Chart(_data(rows)).encode(y=alt.Y("label:N", sort=None, title=None))
    band = base.mark_bar(color="#e8f5e9", height=12).encode(
        x=alt.X("band_low:Q", title="realised / published", scale=alt.Scale(zero=False)), x2="band_high:Q")
    one = alt.Chart(_data([{"x": 1.0}])).mark_rule(color="#1b5e20").encode(x="x:Q")
    err = base.mark_rule().encode(x="ratio_low:Q", x2="ratio_high:Q", color=_status_colour())
    point = base.mark_point(filled=True, size=50).encode(
        x="ratio:Q", color=_status_colour(),
        tooltip=["label:N", alt.Tooltip("realised:Q", format=",.4g"), alt.Tooltip("published:Q", format=",.4g"),
                 "unit:N", "status:N", "source:N"])
    chart = alt.layer(band, one, err, point).properties(
        width=WIDTH, height=max(120, 18 * len(rows)))
    return _spec(chart)


def pmpm_by_category(rows: list[dict]) -> dict | None:
    if not rows:
        return None
    chart = alt.Chart(_data(rows)).mark_bar(color="#5c6bc0").encode(
        y=alt.Y("category:N", sort="-x", title=None),
        x=alt.X("pmpm:Q", title="USD per member-month", axis=alt.Axis(format="$,.0f")),
        tooltip=["category:N", alt.Tooltip("pmpm:Q", format="$,.2f", title="PMPM")],
    ).properties(width=WIDTH, height=max(100, 26 * len(rows)))
    return _spec(chart)


def cost_concentration(curve: list[dict], published: list[dict]) -> dict | None:
    if not curve:
        return None
    line = alt.Chart(_data(curve)).mark_line(color="#3949ab", strokeWidth=2).encode(
        x=alt.X("members:Q", title="share of members, costliest first", axis=alt.Axis(format="%")),
        y=alt.Y("paid:Q", title="share of total paid", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
        tooltip=[alt.Tooltip("members:Q", format=".0%"), alt.Tooltip("paid:Q", format=".1%")])
    equal = alt.Chart(_data([{"members": 0.0, "paid": 0.0}, {"members": 1.0, "paid": 1.0}])).mark_line(
        color="#bdbdbd", strokeDash=[4, 4]).encode(x="members:Q", y="paid:Q")
    layers = [equal, line]
    if published:
        layers.append(alt.Chart(_data(published)).mark_point(shape="diamond", size=90, filled=True, color="#ef6c00").encode(
            x="members:Q", y="paid:Q", tooltip=["label:N", alt.Tooltip("paid:Q", format=".1%")]))
    chart = alt.layer(*layers).properties(width=WIDTH, height=300)
    return _spec(chart)


def a1c_distribution(rows: list[dict]) -> dict | None:
    if not rows:
        return None
    bars = alt.Chart(_data(rows)).mark_bar(color="#00897b").encode(
        x=alt.X("a1c:Q", bin="binned", title="latest A1c in the window (%)", scale=alt.Scale(domain=[4, 14])),
        x2="a1c_end:Q", y=alt.Y("members:Q", title="members"),
        tooltip=[alt.Tooltip("a1c:Q", title="from"), alt.Tooltip("a1c_end:Q", title="to"), "members:Q"])
    rules = alt.Chart(_data([{"x": 7.0, "label": "7%"}, {"x": 9.0, "label": "9%"}])).mark_rule(
        color="#b71c1c", strokeDash=[4, 3]).encode(x="x:Q", tooltip=["label:N"])
    chart = alt.layer(bars, rules).properties(width=WIDTH, height=240)
    return _spec(chart)


def members_by_state(rows: list[dict]) -> dict | None:
    if not rows:
        return None
    chart = alt.Chart(_data(rows)).mark_bar(color="#8d6e63").encode(
        x=alt.X("state:N", sort="-y", title=None), y=alt.Y("members:Q", title="members"),
        tooltip=["state:N", alt.Tooltip("members:Q", format=",")],
    ).properties(width=WIDTH, height=220)
    return _spec(chart)


def _status_colour() -> alt.Color:
    return alt.Color("status:N", scale=alt.Scale(domain=["pass", "fail"], range=[PASS, FAIL]), title="status",
                     legend=alt.Legend(orient="bottom"))
