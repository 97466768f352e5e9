"""The `sdtm` format: every domain as SAS transport (XPT v5, pyreadstat) and CSV, plus define.xml.

Layout: `sdtm/<domain>.xpt` (lower-case names, as submissions use), `sdtm/csv/<domain>.csv`,
`sdtm/define.xml`. Needs a cohort made by `generate --trial`; `healthsim validate --sdtm DIR`
checks the result (formats/sdtm/conformance.py).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from healthsim.formats.base import CohortSource, register
from healthsim.formats.sdtm import xpt
from healthsim.formats.sdtm.define import define_xml
from healthsim.formats.sdtm.variables import DOMAINS, OPTIONAL

SOURCE_TABLES = ("studies", "trial_arms", "trial_sites", "trial_visits", "trial_subjects", "subject_visits",
                 "exposures", "trial_findings", "adverse_events", "dispositions", "deviations", "persons",
                 "conditions", "medication_orders", "deaths", "tumor_lesions", "tumor_measurements",
                 "tumor_responses")


def write_xpt(df, path: Path, domain: str, stamp: str) -> None:
    """One domain as XPT v5 (formats/sdtm/xpt.py); the header's created/modified times are the study's
    data cut-off, not the wall clock, so the same cohort exports to the same bytes. XPT v5 holds
    latin-1 text up to 200 bytes a value: longer values are cut (SDTM splits them into --TERM and
    SUPP-- records; HealthSim's values stay under 200)."""
    variables = DOMAINS[domain][1]
    xpt.write_xpt(df, path, table_name=domain, file_label=DOMAINS[domain][0][:40],
                  labels=[v.label for v in variables], char={v.name for v in variables if v.type == "Char"},
                  stamp=stamp)


def write_csv(df, path: Path) -> None:
    """One domain as CSV (UTF-8, a header row, text quoted, a missing number empty) through Arrow's
    writer: pandas' took a third of an export."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    table = pa.Table.from_pandas(df, preserve_index=False)  # NaN numbers become nulls (empty cells)
    pcsv.write_csv(table, str(path), pcsv.WriteOptions(quoting_style="needed"))


@register
class SdtmExporter:
    name = "sdtm"
    description = "CDISC SDTM 3.4 (DM AE VS LB EG QS TU TR RS CM EX DS MH SV DV TA TE TV TI TS) as XPT v5 + CSV + define.xml 2.1"
    requires = ("studies", "trial_subjects")
    needs_rows = (("studies", {}),)
    needs_hint = "generate it with a trial protocol first (healthsim generate --trial t2d-phase3)"
    cohort_kind = "trial"

    def export(self, source: CohortSource, out: Path) -> dict[str, int]:
        try:
            import pandas  # noqa: F401
            import pyreadstat  # noqa: F401
        except ImportError:
            from healthsim.errors import UsageError

            raise UsageError("format sdtm needs pyreadstat and pandas: pip install 'healthsim[sdtm]'") from None
        from healthsim.formats.sdtm.domains import build

        step = getattr(source.progress, "step", None) if hasattr(source, "progress") else None
        tables = {}
        for name in SOURCE_TABLES:
            tables[name] = source.static(name).to_pandas(date_as_object=True)
        if step:
            step("domains")
        domains = build(tables)
        cutoff = tables["studies"].iloc[0]["end_date"]
        stamp = datetime(cutoff.year, cutoff.month, cutoff.day).strftime("%d%b%y:%H:%M:%S").upper()
        root = out / "sdtm"
        (root / "csv").mkdir(parents=True)
        counts = {}
        for code in DOMAINS:
            df = domains.get(code)
            if code in OPTIONAL and (df is None or not len(df)):  # (a visit names ecg, eq5d, tumour)
                domains.pop(code, None)
                continue
            write_xpt(df, root / f"{code.lower()}.xpt", code, stamp)
            write_csv(df, root / "csv" / f"{code.lower()}.csv")
            counts[code] = len(df)
        (root / "define.xml").write_text(define_xml(tables["studies"].iloc[0], domains), encoding="utf-8")
        return counts
