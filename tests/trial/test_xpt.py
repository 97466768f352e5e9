"""The vectorised XPT v5 writer lays out the same bytes pyreadstat writes for the same frame."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from healthsim.formats.sdtm.xpt import STAMP, ibm_doubles, write_xpt


def _frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    words = np.array(["", "T2D-301", "Nausea", "Gastrointestinal disorders", "x" * 230,
                      "ABC  "], dtype=object)
    num = rng.normal(0, 1e3, n)
    num[rng.random(n) < 0.2] = np.nan
    return pd.DataFrame({
        "STUDYID": ["T2D-301"] * n, "TERM": words[rng.integers(0, words.size, n)],
        "EMPTY": [""] * n, "VAL": num, "DY": rng.integers(-30, 400, n).astype(float),
        "ZERO": np.zeros(n)})


@pytest.mark.parametrize("n", [0, 1, 7, 1003])
def test_same_bytes_as_pyreadstat(tmp_path, n):
    df = _frame(n, n)
    labels = ["Study Identifier", "Reported Term", "Empty", "Value", "Study Day", "Zero"]
    char = {"STUDYID", "TERM", "EMPTY"}
    ref = df.copy()
    for c in char:  # what pyreadstat is given: text cut to 200 characters
        ref[c] = ref[c].astype(str).str.slice(0, 200).astype(object)
    pyreadstat.write_xport(ref, str(tmp_path / "ref.xpt"), file_format_version=5, table_name="AE",
                           file_label="Adverse Events", column_labels=labels)
    stamp = "01JAN25:00:00:00"
    expected = (tmp_path / "ref.xpt").read_bytes()
    expected = STAMP.sub(stamp.encode(), expected[:800]) + expected[800:]
    write_xpt(df, tmp_path / "ae.xpt", table_name="AE", file_label="Adverse Events", labels=labels, char=char,
              stamp=stamp)
    assert (tmp_path / "ae.xpt").read_bytes() == expected
    back, _ = pyreadstat.read_xport(str(tmp_path / "ae.xpt"), encoding="LATIN1")
    assert len(back) == n and list(back.columns) == list(df.columns)
    if n:
        assert np.allclose(back["VAL"].to_numpy(float), df["VAL"].to_numpy(float), equal_nan=True, rtol=1e-14)


def test_ibm_doubles_round_trip():
    values = np.array([0.0, 1.0, -1.0, 0.1, 7.25, 1e-10, 123456789.123, 1e30, -2.5e-7, np.nan])
    raw = ibm_doubles(values)
    assert raw.shape == (values.size, 8)
    words = raw.view(">u8").ravel().astype(np.uint64)
    sign = np.where(words >> np.uint64(63), -1.0, 1.0)
    exp = ((words >> np.uint64(56)) & np.uint64(0x7F)).astype(np.int64) - 64
    frac = (words & np.uint64((1 << 56) - 1)).astype(np.float64) / 2.0**56
    back = sign * frac * 16.0 ** exp
    ok = ~np.isnan(values)
    assert np.allclose(back[ok], values[ok], rtol=1e-15, atol=0)
    assert bytes(raw[-1]) == b".\x00\x00\x00\x00\x00\x00\x00"


def test_text_is_latin1(tmp_path):
    """XPT v5 text is latin-1 (pyreadstat itself would write UTF-8 bytes): both readers get the text back."""
    df = pd.DataFrame({"TERM": ["caf\u00e9 cr\u00e8me", "Nausea", "\u2603 snow"]})
    write_xpt(df, tmp_path / "t.xpt", table_name="T", file_label="", labels=["Term"], char={"TERM"},
              stamp="01JAN25:00:00:00")
    back, _ = pyreadstat.read_xport(str(tmp_path / "t.xpt"), encoding="LATIN1")
    assert back["TERM"].tolist() == ["caf\u00e9 cr\u00e8me", "Nausea", "? snow"]
    assert pd.read_sas(tmp_path / "t.xpt", format="xport", encoding="latin-1")["TERM"].tolist() == back["TERM"].tolist()
