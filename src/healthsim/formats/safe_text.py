"""Text that reaches an export file: the one place it is made safe, per format family.

Free text comes from specs (cohort and plan names, condition names, attribute
labels), and specs come from shared files and MCP clients, so a name may hold
an X12 segment (`Evil*Plan~SE*1*0001~IEA*...`), an MLLP frame byte, NUL, an
escape sequence. Exporters read the cohort through `CohortSource`
(formats/base.py), which passes every table through the `TextPolicy` of the
exporter's family before a writer sees it, so no writer can forget:

- every format: C0 control characters other than TAB, CR and LF, DEL and the
  C1 controls (U+0080-U+009F) become a space. They have no meaning in
  synthetic data, FHIR's `string` type forbids them, they frame MLLP (VT, FS)
  and NCPDP (FS, GS, RS) messages, and they drive terminals.
- X12: also the element, segment, component and repetition separators
  (`* ~ : ^`) and CR/LF/TAB become a space — X12 has no escape mechanism, so
  its rules say delimiters must not occur in data — and text is cut to 60
  characters, the longest name element (N102, NM103; a plan name, 834 HD04,
  is held to 50 by the spec). `x12.envelope.seg` keeps a
  structural backstop for values that do not come from a table.
- HL7 v2 keeps its separators in the data: `hl7v2.er7.esc` escapes them (\\F\\,
  \\S\\, ...), which is HL7's own mechanism, and turns CR/LF into spaces.
- XML (C-CDA, NCPDP SCRIPT) is escaped in `formats/xmltext.py`; JSON (FHIR) by
  the JSON encoder; CSV by quoting; Parquet needs nothing more.

Replacing rather than dropping keeps words apart and lengths unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

CONTROLS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x{9f}"
X12_SEPARATORS = r"*~:^\r\n\t"
_PY_CONTROLS = {i: " " for i in (*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0))}


@dataclass(frozen=True)
class TextPolicy:
    """What one family of formats may not carry in text: a regex character class, and
    (X12) a longest value."""

    name: str
    forbidden: str
    max_chars: int | None = None

    @property
    def pattern(self) -> str:
        return f"[{self.forbidden}]"

    def text(self, value: str | None) -> str | None:
        """One Python string made safe (for values that do not come from a table)."""
        if value is None:
            return None
        out = str(value).translate(_PY_CONTROLS)
        if self is X12:
            out = out.translate(_X12_PY)
        return out if self.max_chars is None else out[: self.max_chars]

    def array(self, values: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
        kind = values.type
        if pa.types.is_dictionary(kind) and _is_text(kind.value_type):
            if isinstance(values, pa.ChunkedArray):
                return pa.chunked_array([self.array(c) for c in values.chunks], kind)
            return pa.DictionaryArray.from_arrays(values.indices, self.array(values.dictionary))
        if not _is_text(kind):
            return values
        if pc.any(pc.match_substring_regex(values, self.pattern)).as_py():
            values = pc.replace_substring_regex(values, self.pattern, " ")
        if self.max_chars is not None and (pc.max(pc.utf8_length(values)).as_py() or 0) > self.max_chars:
            values = pc.utf8_slice_codeunits(values, 0, self.max_chars)
        return values  # the common case: nothing replaced, the same array (no copy)

    def table(self, table: pa.Table) -> pa.Table:
        """`table` with every text column made safe (untouched columns are not copied)."""
        for i, field in enumerate(table.schema):
            if _is_text(field.type) or (pa.types.is_dictionary(field.type) and _is_text(field.type.value_type)):
                column = table.column(i)
                safe = self.array(column)
                if safe is not column:
                    table = table.set_column(i, field, safe)
        return table

    def batch(self, batch: pa.RecordBatch) -> pa.RecordBatch:
        columns = [self.array(c) for c in batch.columns]
        if all(a is b for a, b in zip(columns, batch.columns, strict=True)):
            return batch
        return pa.RecordBatch.from_arrays(columns, schema=batch.schema)

    def reader(self, reader: pa.RecordBatchReader) -> pa.RecordBatchReader:
        """A reader yielding the same batches, made safe."""
        if not _has_text(reader.schema):
            return reader

        def batches() -> Iterator[pa.RecordBatch]:
            for b in reader:
                if b.num_rows:
                    yield self.batch(b)

        return pa.RecordBatchReader.from_batches(reader.schema, batches())


def _is_text(kind: pa.DataType) -> bool:
    return pa.types.is_string(kind) or pa.types.is_large_string(kind)


def _has_text(schema: pa.Schema) -> bool:
    return any(_is_text(f.type) or (pa.types.is_dictionary(f.type) and _is_text(f.type.value_type))
               for f in schema)


_X12_PY = str.maketrans({c: " " for c in "*~:^\r\n\t"})

PLAIN = TextPolicy("plain", CONTROLS)
X12 = TextPolicy("x12", X12_SEPARATORS + CONTROLS, max_chars=60)  # names: N102/NM103 hold 60


def policy_for(exporter) -> TextPolicy:
    """The text policy of an exporter's family: declared as `text_policy`, else by its package."""
    declared = getattr(exporter, "text_policy", None)
    if isinstance(declared, TextPolicy):
        return declared
    module = type(exporter).__module__ if not isinstance(exporter, type) else exporter.__module__
    return X12 if module.startswith("healthsim.formats.x12") else PLAIN
