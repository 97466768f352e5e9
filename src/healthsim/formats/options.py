"""Export options: what a user may tune about an export, checked in one place.

Every option has a default that gives standards-valid files, so an export
without options works. Options are plain data (a pydantic model): the CLI
passes `--option key=value` pairs (and a few named flags), the API a dict,
and a bad name or value is a UsageError naming the option and what it
accepts, before any file is written. An exporter reads only the options of
its family (X12, HL7 v2, FHIR); the others are ignored, so one options object
can be handed to every format of a run.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from healthsim.errors import UsageError

_ID = re.compile(r"^[A-Z0-9 ._-]{1,15}$")
_HL7_NAME = re.compile(r"^[A-Za-z0-9 ._-]{1,180}$")


class ExportOptions(BaseModel):
    """Tunable parts of an export; the defaults give valid, readable-by-machines files."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # --- X12 -----------------------------------------------------------------
    sender_id: str | None = Field(
        None, description="X12 ISA06/GS02 for every file (default: the natural sender of each "
                          "transaction: HEALTHSIM as provider/submitter, the payer's ID for 835/271/277/278 "
                          "responses).")
    receiver_id: str | None = Field(
        None, description="X12 ISA08/GS03 for every file (default: the natural receiver: the payer for "
                          "837/834/270/276/278 requests, the provider's NPI for responses).")
    usage: Literal["T", "P"] = Field("T", description="X12 ISA15 usage indicator: T test, P production.")
    segment_newlines: bool = Field(False, description="X12: a newline after each segment terminator "
                                                      "(readable files; many translators accept it).")
    claims_per_st: int = Field(5000, ge=1, le=100_000,
                               description="X12: claims (837), members (834) or inquiries (270/276/278) "
                                           "per ST/SE transaction set; the 837 guides recommend at most 5,000.")
    corrected_share: float = Field(0.03, ge=0, le=0.5,
                                   description="Share of paid medical claims first sent with an error and "
                                               "replaced by a corrected claim (837 frequency 7, 835 reversal 22).")
    void_share: float = Field(0.01, ge=0, le=0.5,
                              description="Share of paid medical claims sent twice by mistake; the duplicate "
                                          "is voided (837 frequency 8, 835 reversal 22).")
    # --- HL7 v2 ----------------------------------------------------------------
    feed: bool = Field(False, description="HL7 v2: one chronological stream of every message "
                                          "(feed.hl7) instead of one file per message type.")
    mllp: bool = Field(False, description="HL7 v2: MLLP framing (0x0B message 0x1C 0x0D) for each message.")
    sending_application: str = Field("HEALTHSIM", description="HL7 v2 MSH-3.")
    sending_facility: str = Field("HEALTHSIM", description="HL7 v2 MSH-4.")
    receiving_application: str = Field("RECEIVER", description="HL7 v2 MSH-5.")
    receiving_facility: str = Field("RECEIVER", description="HL7 v2 MSH-6.")
    # --- FHIR -------------------------------------------------------------------
    bundle_type: Literal["transaction", "batch"] = Field(
        "transaction", description="FHIR Bundles: transaction (all or nothing per patient) or batch.")
    gzip: bool = Field(False, description="FHIR: gzip NDJSON files and Bundles (.gz).")

    @field_validator("sender_id", "receiver_id", mode="before")
    @classmethod
    def _x12_id(cls, v):
        if v is None:
            return v
        v = str(v).strip().upper()
        if not _ID.match(v):
            raise ValueError("an X12 interchange ID is 1-15 characters: letters, digits, space . _ -")
        return v

    @field_validator("sending_application", "sending_facility", "receiving_application",
                     "receiving_facility", mode="before")
    @classmethod
    def _hl7_name(cls, v):
        v = str(v).strip()
        if not _HL7_NAME.match(v):
            raise ValueError("letters, digits, space . _ - (no HL7 delimiters), 1-180 characters")
        return v


DEFAULT = ExportOptions()


def option_names() -> list[str]:
    return list(ExportOptions.model_fields)


def parse_options(values: dict | ExportOptions | None = None, pairs: list[str] | None = None) -> ExportOptions:
    """ExportOptions from a dict and/or 'key=value' strings; a UsageError lists every problem."""
    if isinstance(values, ExportOptions) and not pairs:
        return values
    data = dict(values.model_dump(exclude_unset=True) if isinstance(values, ExportOptions) else values or {})
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not key:
            raise UsageError(f"export option {pair!r} must be KEY=VALUE; options: {', '.join(option_names())}")
        data[key] = value.strip()
    try:
        return ExportOptions(**{k.replace("-", "_"): v for k, v in data.items()})
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            name = ".".join(str(p) for p in err["loc"])
            if err["type"] == "extra_forbidden":
                from difflib import get_close_matches

                near = get_close_matches(name, option_names(), n=1)
                hint = f" (did you mean {near[0]!r}?)" if near else ""
                problems.append(f"unknown export option {name!r}{hint}; options: {', '.join(option_names())}")
            else:
                field = ExportOptions.model_fields.get(name)
                doc = f" — {field.description}" if field is not None and field.description else ""
                problems.append(f"export option {name}: {err['msg']} (got {err.get('input')!r}){doc}")
        raise UsageError("; ".join(problems)) from None
