"""Transaction variety on top of the adjudicated claims: corrected claims, voided
duplicates, reversals and coordination of benefits, derived in the exporters.

The claims tables hold each claim once, as finally adjudicated. A claims
system sees more than that, and a QA engineer needs it in the files:
- corrected claims: the provider first sent the claim with an error (the last
  service line missing, or for a one-line claim without its secondary
  diagnoses); the payer paid that version, the provider sent a replacement
  (837 CLM05-3 = 7, REF*F8 = the payer's control number of the original), and
  the payer reversed the first payment (835 CLP02 = 22, negated amounts) and
  paid the replacement, in the same remittance;
- voided duplicates: the provider sent the claim twice by mistake; the payer
  paid the duplicate, the provider voided it (frequency 8, REF*F8) and the
  payer took the money back (a reversal, netted on a later remittance with a
  PLB forwarding balance when nothing else is paid that day);
- coordination of benefits: a dual-eligible member's state Medicaid program is
  the secondary payer. The primary (the D-SNP) remits with CLP02 = 19
  (processed as primary, forwarded) and names the crossover payer; Medicaid
  then remits the member's cost sharing as secondary (CLP02 = 2), with the
  primary's adjudication as OA-23. No member has a third payer, so CLP02 = 20
  (secondary, forwarded again) does not occur.

Which claims get which story is a keyed hash of the claim id (not a random
stream): the same claims are picked whatever the export's block size, by every
exporter that reads them, and the same cohort gives the same bytes. Dates are
laid out inside the claim's own: the original is received on the claim's
received_date and paid halfway to its paid_date, the replacement is received
the day after and paid on paid_date (the table's dates stay the final ones).
Every claim row's amounts stay the table's; the extra versions' amounts are
sums of the table's line amounts, so every 835 balances.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from healthsim.formats.payers import Payer, payer_for

NONE, CORRECTED, VOID = 0, 1, 2
DUP_RECEIVED, DUP_PAID, VOID_RECEIVED, VOID_PAID = 2, 7, 10, 21  # days after received / paid
COB_DAYS = 14  # a crossover claim's secondary payment follows the primary's by about two weeks
MEDICARE_COINSURANCE = 0.20  # Part B coinsurance after the deductible (CMS, Medicare & You 2025)


def uniform(ids: np.ndarray, key: int) -> np.ndarray:
    """A uniform [0, 1) number per id: splitmix64 of (id xor key), vectorised."""
    x = ids.astype(np.uint64) ^ np.uint64(key & 0xFFFFFFFFFFFFFFFF)
    with np.errstate(over="ignore"):
        x = x + np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        x = x ^ (x >> np.uint64(31))
    return (x >> np.uint64(11)).astype(np.float64) * 2.0**-53


def add_variety(claims: pa.Table, key: int, corrected_share: float, void_share: float) -> pa.Table:
    """The claims table with `variety` (0 none, 1 corrected, 2 voided duplicate) and the
    derived dates each story needs (date32 columns, computed for every row)."""
    n = claims.num_rows
    ids = claims.column("claim_id").to_numpy(zero_copy_only=False) if n else np.zeros(0, np.int64)
    if not np.issubdtype(ids.dtype, np.integer):
        ids = np.array([hash_text(str(x)) for x in ids], dtype=np.uint64)
    u = uniform(ids, key)
    paid = pc.equal(claims.column("status"), "paid").to_numpy(zero_copy_only=False) if n else np.zeros(0, bool)
    kind = np.where(paid & (u < corrected_share), CORRECTED,
                    np.where(paid & (u >= corrected_share) & (u < corrected_share + void_share), VOID, NONE))
    received = _days(claims.column("received_date"))
    paid_day = _days(claims.column("paid_date"))
    orig_paid = received + np.maximum(1, (paid_day - received) // 2)
    orig_paid = np.minimum(orig_paid, paid_day - 2)  # room for the replacement to arrive before it is paid
    orig_paid = np.maximum(orig_paid, received)
    derived = {"variety": pa.array(kind.astype(np.int8)),
               "orig_paid": orig_paid, "fix_received": np.minimum(orig_paid + 1, paid_day),
               "dup_received": received + DUP_RECEIVED, "dup_paid": paid_day + DUP_PAID,
               "void_received": paid_day + VOID_RECEIVED, "void_paid": paid_day + VOID_PAID,
               "cob_paid": paid_day + COB_DAYS}
    for name, values in derived.items():
        if not isinstance(values, pa.Array):
            values = pa.array(values.astype(np.int32)).cast(pa.date32())
        claims = claims.append_column(name, values)
    return claims


def _days(col) -> np.ndarray:
    return col.cast(pa.date32()).cast(pa.int32()).to_numpy(zero_copy_only=False).astype(np.int64)


def hash_text(text: str) -> int:
    import zlib

    return zlib.crc32(text.encode())


@dataclass
class Version:
    """One submission of a claim (an 837 CLM) and how the payer adjudicated it (an 835 CLP)."""

    claim: dict
    lines: list[dict]
    pcn: str                 # CLM01 / CLP01: the provider's patient control number
    icn: str                 # CLP07: the payer's claim control number
    frequency: str           # CLM05-3: 1 original, 7 replacement, 8 void
    received: str
    paid: str
    ref_icn: str | None = None   # REF*F8 on a replacement or void: the claim it replaces
    dx_limit: int = 12
    final: bool = False      # the version that stands (the table's claim)
    billed: float = 0.0
    paid_amount: float = 0.0
    liability: float = 0.0
    extra: dict = field(default_factory=dict)


def _sums(lines: list[dict]) -> tuple[float, float, float]:
    billed = round(sum(float(ln["billed"] or 0) for ln in lines), 2)
    paid = round(sum(float(ln["paid"] or 0) for ln in lines), 2)
    liability = round(sum(float(ln.get("deductible") or 0) + float(ln.get("copay") or 0)
                          + float(ln.get("coinsurance") or 0) for ln in lines), 2)
    return billed, paid, liability


def crossover(lines: list[dict]) -> list[dict]:
    """Lines as the primary of a dual-eligible member adjudicates them: it pays 80% of
    the line's payment and leaves 20% as coinsurance (PR-2) for the secondary payer."""
    out = []
    for ln in lines:
        paid = round(float(ln["paid"] or 0) * 100)
        share = round(paid * MEDICARE_COINSURANCE)
        out.append({**ln, "paid": (paid - share) / 100,
                     "coinsurance": round(float(ln.get("coinsurance") or 0) + share / 100, 2)})
    return out


def versions(claim: dict, lines: list[dict], cob: bool = False) -> list[Version]:
    """The submissions of one claim, in the order the provider sent them; with `cob`,
    the primary's adjudication of a claim a secondary payer shares (crossover)."""
    if cob and claim.get("status") == "paid":
        lines = crossover(lines)
        claim = {**claim, "paid": round(sum(float(ln["paid"]) for ln in lines), 2)}
        claim["member_liability"] = round(sum(float(ln.get("deductible") or 0) + float(ln.get("copay") or 0)
                                              + float(ln.get("coinsurance") or 0) for ln in lines), 2)
    cid = str(claim["claim_id"])
    final = Version(claim, lines, cid, cid, "1", claim["received_date"], claim["paid_date"], final=True,
                    billed=float(claim["billed"]), paid_amount=_paid(claim, lines),
                    liability=float(claim["member_liability"] or 0))
    kind = claim.get("variety") or NONE
    if kind == CORRECTED:
        first_lines = lines[:-1] if len(lines) > 1 else lines
        billed, paid, liability = _sums(first_lines)
        first = Version(claim, first_lines, cid, f"{cid}V1", "1", claim["received_date"], claim["orig_paid"],
                        dx_limit=12 if len(lines) > 1 else 1, billed=billed, paid_amount=paid, liability=liability)
        final.frequency, final.ref_icn, final.received = "7", first.icn, claim["fix_received"]
        return [first, final]
    if kind == VOID:
        dup = Version(claim, lines, f"{cid}D", f"{cid}D", "1", claim["dup_received"], claim["dup_paid"],
                      billed=final.billed, paid_amount=final.paid_amount, liability=final.liability)
        void = Version(claim, lines, dup.pcn, f"{cid}DV", "8", claim["void_received"], claim["void_paid"],
                       ref_icn=dup.icn, billed=final.billed, paid_amount=final.paid_amount,
                       liability=final.liability)
        return [final, dup, void]
    return [final]


def _paid(claim: dict, lines: list[dict]) -> float:
    return round(sum(float(ln["paid"] or 0) for ln in lines), 2) if lines else float(claim["paid"] or 0)


@dataclass
class Remit:
    """One claim payment line of an 835: which version, as what status, on which date."""

    version: Version
    status: str          # CLP02
    date: str            # payment date (CCYYMMDD)
    reversal: bool = False
    secondary: bool = False


def remits(versions_: list[Version], denied: bool, forwarded_to: Payer | None) -> list[Remit]:
    """The 835 claim payments the payer made for a claim's submissions, in date order.

    A replacement reverses the version it replaces on the replacement's payment date;
    a void reverses the duplicate. The primary's status is 19 when the claim is
    forwarded to a secondary payer (coordination of benefits), 4 when denied, else 1."""
    out = []
    for v in versions_:
        if v.frequency == "8":
            out.append(Remit(_find(versions_, v.ref_icn), "22", v.paid, reversal=True))
            continue
        if v.frequency == "7":
            out.append(Remit(_find(versions_, v.ref_icn), "22", v.paid, reversal=True))
        forwarded = forwarded_to is not None and v.final and v.liability > 0
        status = "4" if denied else ("19" if forwarded else "1")
        out.append(Remit(v, status, v.paid))
    return out


def _find(versions_: list[Version], icn: str | None) -> Version:
    return next(v for v in versions_ if v.icn == icn)


def medicaid_payer(state: str | None) -> Payer:
    """The state Medicaid program of a dual-eligible member (the secondary payer)."""
    state = (state or "US").upper()
    return payer_for(f"MEDICAID-{state}", f"{state} MEDICAID")
