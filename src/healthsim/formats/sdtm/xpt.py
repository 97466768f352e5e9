"""SAS transport (XPT v5) writing, vectorised.

pyreadstat writes the header records (library, member, descriptor and one NAMESTR per variable)
from a one-row frame with each character variable at its final width; the observations are
then laid out here as one byte matrix (numbers as IBM/370 doubles, text latin-1 and blank-padded)
instead of pyreadstat's value-by-value loop, which took most of an export's time. The bytes are
those pyreadstat writes for the same frame (tests/trial compares them), read back by pyreadstat
and by pandas' own XPORT reader.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

OBS_HEADER = b"HEADER RECORD*******OBS     HEADER RECORD!!!!!!!000000000000000000000000000000  "
STAMP = re.compile(rb"\d{2}[A-Z]{3}\d{2}:\d{2}:\d{2}:\d{2}")
MAX_TEXT = 200  # XPT v5 holds up to 200 bytes a character value
SAS_MISSING = 0x2E << 56  # '.' then seven zero bytes


def ibm_doubles(values: np.ndarray) -> np.ndarray:
    """IEEE 754 doubles as IBM/370 hexadecimal doubles (big-endian uint8 rows of 8); NaN is SAS missing '.'."""
    v = np.asarray(values, dtype=np.float64)
    bits = v.view(np.uint64)
    sign = bits >> np.uint64(63)
    exp2 = ((bits >> np.uint64(52)) & np.uint64(0x7FF)).astype(np.int64)
    mant = (bits & np.uint64((1 << 52) - 1)) | np.uint64(1 << 52)
    # value = mant / 2^53 * 2^e with e = exp2 - 1022; IBM: fraction / 2^56 * 16^(exp16 - 64)
    e = exp2 - 1022
    exp16 = -((-e) // 4)  # ceil(e / 4)
    shift = (4 * exp16 - e).astype(np.uint64)  # 0..3
    frac = (mant << np.uint64(3)) >> shift
    out = (sign << np.uint64(63)) | ((exp16 + 64).astype(np.uint64) << np.uint64(56)) | frac
    out = np.where((v == 0) | (exp2 == 0), np.uint64(0), out)  # zero (and denormals, far below IBM's range)
    out = np.where(np.isnan(v), np.uint64(SAS_MISSING), out)
    return out.astype(">u8").view(np.uint8).reshape(-1, 8)


def text_bytes(values: pd.Series) -> np.ndarray:
    """A character column as an (n, width) uint8 matrix: latin-1, cut to 200 bytes, blank-padded
    (width = the longest value, at least 1, as pyreadstat sizes it)."""
    s = values.fillna("").astype(str)
    arr = s.to_numpy(dtype=object)
    try:
        enc = arr.astype("S")
    except UnicodeEncodeError:
        enc = np.array([x.encode("latin-1", "replace") for x in arr], dtype=object).astype("S")
    width = max(1, min(MAX_TEXT, enc.dtype.itemsize if enc.size else 1))
    enc = enc.astype(f"S{width}")  # cuts longer values, pads shorter ones with NUL
    mat = np.frombuffer(enc.tobytes(), dtype=np.uint8).reshape(len(arr), width).copy()
    mat[mat == 0] = 0x20
    return mat


def write_xpt(df: pd.DataFrame, path: Path, *, table_name: str, file_label: str, labels: list[str],
              char: set[str], stamp: str) -> None:
    """`df` as an XPT v5 file at `path`: columns in `char` are text, the others numbers; the header's
    created/modified times are `stamp` (ddMONyy:hh:mm:ss), not the wall clock."""
    import pyreadstat

    blocks = []
    sample = {}
    for name in df.columns:
        if name in char:
            mat = text_bytes(df[name])
            sample[name] = ["x" * mat.shape[1]]
        else:
            mat = ibm_doubles(pd.to_numeric(df[name], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan))
            sample[name] = [0.0]
        blocks.append(mat)
    with tempfile.TemporaryDirectory() as tmp:
        head_file = Path(tmp) / "head.xpt"
        pyreadstat.write_xport(pd.DataFrame(sample, columns=list(df.columns)), str(head_file),
                               file_format_version=5, table_name=table_name, file_label=file_label,
                               column_labels=labels)
        head = head_file.read_bytes()
    end = head.index(OBS_HEADER) + len(OBS_HEADER)
    head = STAMP.sub(stamp.encode("ascii"), head[:800]) + head[800:end]  # library and member records
    rows = np.hstack(blocks) if blocks else np.zeros((len(df), 0), dtype=np.uint8)
    body = rows.tobytes()
    pad = (-len(body)) % 80
    Path(path).write_bytes(head + body + b" " * pad)
