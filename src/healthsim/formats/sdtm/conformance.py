"""HealthSim's own SDTM conformance check (the CDISC CORE rule cache cannot be downloaded here).

Reads the XPT files back with pyreadstat and checks: every domain present; required variables
present and never null, expected ones present; names <= 8 and labels <= 40 characters; values
inside their CDISC CT codelists; --SEQ unique per USUBJID; every USUBJID in DM; ISO 8601 dates;
--DY consistent with --DTC and RFSTDTC (no day 0); RFXSTDTC/RFXENDTC equal to the first/last EX
dates; no AE before informed consent; visits inside their TV windows unless a DV record flags
them; arm counts matching the randomisation ratio within one block per stratum; define.xml
well-formed and consistent with the XPT files (one ItemGroupDef per file, its ItemRefs in the
file's variable order, each ItemDef's label, data type and length those of the file, every
referenced OID defined).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from healthsim.formats.sdtm import ct
from healthsim.formats.sdtm.variables import DOMAINS, OPTIONAL

ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class Finding:
    rule: str
    domain: str
    message: str


@dataclass
class ConformanceReport:
    folder: Path
    errors: list[Finding] = field(default_factory=list)
    records: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    passed = ok

    def as_dict(self) -> dict:
        return {"folder": str(self.folder), "passed": self.ok, "records": self.records,
                "errors": [f.__dict__ for f in self.errors]}

    def render(self, console) -> None:
        from rich.markup import escape

        total = sum(self.records.values())
        console.print(f"SDTM in {escape(str(self.folder))}: {len(self.records)} domains, {total:,} records; "
                      + ("[green]0 conformance errors[/]" if self.ok else f"[red]{len(self.errors)} errors[/]"))
        for f in self.errors:
            console.print(f"  {f.rule} {f.domain}: {escape(f.message)}")


def check(folder: str | Path) -> ConformanceReport:
    import pyreadstat

    root = Path(folder)
    if (root / "sdtm").is_dir():
        root = root / "sdtm"
    rep = ConformanceReport(root)

    def err(rule: str, domain: str, message: str) -> None:
        if len(rep.errors) < 200:
            rep.errors.append(Finding(rule, domain, message))

    data: dict[str, pd.DataFrame] = {}
    metas: dict = {}
    for code, (_, variables) in DOMAINS.items():
        path = root / f"{code.lower()}.xpt"
        if not path.exists():
            if code not in OPTIONAL:
                err("SD0001", code, f"{path.name} missing")
            continue
        df, meta = pyreadstat.read_xport(str(path), encoding="LATIN1")  # XPT v5 text is latin-1
        data[code] = df
        metas[code] = meta
        rep.records[code] = len(df)
        labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
        for name in meta.column_names:
            if len(name) > 8:
                err("SD0002", code, f"variable name {name} longer than 8 characters")
            if len(labels.get(name) or "") > 40:
                err("SD0003", code, f"{name} label longer than 40 characters")
        for v in variables:
            if v.name not in df.columns:
                if v.core in ("Req", "Exp"):
                    err("SD0004", code, f"{v.core} variable {v.name} missing")
                continue
            col = df[v.name]
            empty = col.isna() | (col.astype(str).str.strip() == "") if v.type == "Char" else col.isna()
            if v.core == "Req" and empty.any():
                err("SD0005", code, f"required {v.name} null in {int(empty.sum())} records")
            if v.name in ct.CODELISTS and v.type == "Char":
                bad = sorted(set(col[~empty].astype(str)) - ct.CODELISTS[v.name])
                if bad:
                    err("CT0001", code, f"{v.name} values outside the codelist: {bad[:5]}")
            if v.name.endswith("DTC") and v.type == "Char":
                bad = col[~empty & ~col.astype(str).str.match(ISO)]
                if len(bad):
                    err("SD0006", code, f"{v.name} not ISO 8601: {list(bad[:3])}")
        seq = [c for c in df.columns if c.endswith("SEQ") and c != "TSSEQ"]
        if seq and "USUBJID" in df.columns and df.duplicated(["USUBJID", seq[0]]).any():
            err("SD0007", code, f"{seq[0]} not unique within USUBJID")
    check_define(root, metas, err)
    if "DM" not in data:
        return rep
    dm = data["DM"]
    subjects = set(dm["USUBJID"])
    rf = dm.set_index("USUBJID")["RFSTDTC"].replace("", None)
    consent = dm.set_index("USUBJID")["RFICDTC"]
    for code, df in data.items():
        if "USUBJID" not in df.columns or code == "DM":
            continue
        missing = set(df["USUBJID"]) - subjects
        if missing:
            err("SD0008", code, f"{len(missing)} USUBJID not in DM, e.g. {sorted(missing)[:2]}")
        for dtc in [c for c in df.columns if c.endswith("DTC")]:
            dy = dtc[:-3] + "DY"
            if dy not in df.columns:
                continue
            d = pd.to_datetime(df[dtc].replace("", None), errors="coerce")
            r = pd.to_datetime(df["USUBJID"].map(rf), errors="coerce")
            delta = (d - r).dt.days
            want = delta.where(delta < 0, delta + 1)
            both = want.notna() & df[dy].notna()
            if (want[both] != df[dy][both]).any():
                err("SD0009", code, f"{dy} disagrees with {dtc} and RFSTDTC in {int((want[both] != df[dy][both]).sum())}"
                    " records")
            if (df[dy] == 0).any():
                err("SD0010", code, f"{dy} has a day 0")
            only = df[dy].notna() & r.isna()
            if only.any():
                err("SD0011", code, f"{dy} set for subjects without RFSTDTC")
    if "EX" in data and len(data["EX"]):
        ex = data["EX"]
        first = ex.groupby("USUBJID")["EXSTDTC"].min()
        last = ex.assign(e=ex["EXENDTC"].where(ex["EXENDTC"] != "", ex["EXSTDTC"])).groupby("USUBJID")["e"].max()
        dmx = dm.set_index("USUBJID")
        bad = (dmx.loc[first.index, "RFXSTDTC"] != first).sum() + (dmx.loc[last.index, "RFXENDTC"] != last).sum()
        if bad:
            err("SD0012", "DM", f"RFXSTDTC/RFXENDTC disagree with EX for {int(bad)} values")
    if "AE" in data and len(data["AE"]):
        ae = data["AE"]
        before = pd.to_datetime(ae["AESTDTC"]) < pd.to_datetime(ae["USUBJID"].map(consent))
        if before.any():
            err("SD0013", "AE", f"{int(before.sum())} adverse events before informed consent")
    if "SV" in data and "TV" in data:
        sv, tv = data["SV"], data["TV"]
        windows = {}
        for _, row in tv.iterrows():
            m = re.match(r"DAY (-?\d+) TO DAY (-?\d+)", str(row["TVSTRL"]))
            if m:
                windows[row["VISITNUM"]] = (int(m.group(1)), int(m.group(2)))
        dv = data.get("DV", pd.DataFrame(columns=["USUBJID", "DVSTDTC"]))
        flagged = set(zip(dv["USUBJID"], dv["DVSTDTC"], strict=True))
        cycle = sv["VISIT"].astype(str).str.startswith("CYCLE")  # cycle visits move with dose delays
        lo = sv["VISITNUM"].map(lambda v: windows.get(v, (None, None))[0])
        hi = sv["VISITNUM"].map(lambda v: windows.get(v, (None, None))[1])
        outside = lo.notna() & ((sv["SVSTDY"] < lo) | (sv["SVSTDY"] > hi)) & ~cycle
        unflagged = [(u, d) for u, d in zip(sv["USUBJID"][outside], sv["SVSTDTC"][outside], strict=True)
                     if (u, d) not in flagged]
        delayed = set(data.get("EX", pd.DataFrame(columns=["USUBJID", "EXADJ"])).query("EXADJ != ''")["USUBJID"]) \
            if "EX" in data else set()
        unflagged = [x for x in unflagged if x[0] not in delayed]
        if unflagged:
            err("SD0014", "SV", f"{len(unflagged)} visits outside their TV window without a DV record, "
                f"e.g. {unflagged[:2]}")
    if "TA" in data and "TS" in data:
        arms = data["TA"].drop_duplicates("ARMCD")["ARMCD"].tolist()
        counts = dm[dm["ARMCD"] != ""]["ARMCD"].value_counts()
        n = int(counts.sum())
        if n and arms:
            # equal or stated ratios: the spread can exceed an exact split by at most a block per stratum
            ratio = {a: 1 for a in arms}
            strata = max(1, dm[dm["ARMCD"] != ""]["SITEID"].nunique())
            total = sum(ratio.values())
            for a in arms:
                expected = n * ratio[a] / total
                if abs(counts.get(a, 0) - expected) > max(8, 2 * strata + 0.1 * expected):
                    err("SD0015", "DM", f"arm {a}: {counts.get(a, 0)} subjects, planned about {expected:.0f}")
    return rep


ODM = "{http://www.cdisc.org/ns/odm/v1.3}"
DEF = "{http://www.cdisc.org/ns/def/v2.1}"
XLINK = "{http://www.w3.org/1999/xlink}"


def check_define(root: Path, metas: dict, err) -> None:
    """define.xml is well-formed and says what the XPT files hold."""
    from xml.etree import ElementTree

    path = root / "define.xml"
    if not path.exists():
        err("DF0001", "define", "define.xml missing")
        return
    try:
        doc = ElementTree.parse(path).getroot()
    except ElementTree.ParseError as exc:
        err("DF0001", "define", f"define.xml is not well-formed XML: {exc}")
        return
    if doc.tag != f"{ODM}ODM":
        err("DF0001", "define", f"root element {doc.tag}, not ODM")
        return
    mdv = doc.find(f"{ODM}Study/{ODM}MetaDataVersion")
    if mdv is None:
        err("DF0001", "define", "no Study/MetaDataVersion")
        return
    items = {i.get("OID"): i for i in mdv.findall(f"{ODM}ItemDef")}
    lists = {c.get("OID") for c in mdv.findall(f"{ODM}CodeList")}
    groups = {g.get("Name"): g for g in mdv.findall(f"{ODM}ItemGroupDef")}
    for code in sorted(set(metas) - set(groups)):
        err("DF0002", code, "dataset has no ItemGroupDef in define.xml")
    for name, g in groups.items():
        leaf = g.find(f"{DEF}leaf")
        href = leaf.get(f"{XLINK}href") if leaf is not None else None
        if not href or not (root / href).exists():
            err("DF0002", name, f"ItemGroupDef {name}: def:leaf {href} is not a file of the export")
            continue
        meta = metas.get(name)
        if meta is None:
            continue
        refs = sorted(g.findall(f"{ODM}ItemRef"), key=lambda r: int(r.get("OrderNumber") or 0))
        defs = [items.get(r.get("ItemOID")) for r in refs]
        if any(d is None for d in defs):
            err("DF0005", name, "ItemRef to an ItemDef that is not defined")
            continue
        names = [d.get("Name") for d in defs]
        if names != list(meta.column_names):
            err("DF0003", name, f"define.xml variables {names[:4]}... differ from the file's "
                f"{list(meta.column_names)[:4]}...")
            continue
        labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
        for d in defs:
            var = d.get("Name")
            label = d.findtext(f"{ODM}Description/{ODM}TranslatedText") or ""
            is_text = d.get("DataType") == "text"
            if label != (labels.get(var) or ""):
                err("DF0004", name, f"{var}: define.xml label {label!r}, file label {labels.get(var)!r}")
            if is_text != (meta.readstat_variable_types.get(var) == "string"):
                err("DF0004", name, f"{var}: define.xml DataType {d.get('DataType')} disagrees with the file")
            if is_text and int(d.get("Length") or 0) != meta.variable_storage_width.get(var):
                err("DF0004", name, f"{var}: define.xml Length {d.get('Length')}, file width "
                    f"{meta.variable_storage_width.get(var)}")
            ref = d.find(f"{ODM}CodeListRef")
            if ref is not None and ref.get("CodeListOID") not in lists:
                err("DF0005", name, f"{var}: CodeList {ref.get('CodeListOID')} not defined")
