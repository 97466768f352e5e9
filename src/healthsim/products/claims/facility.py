"""Institutional (837I) claim lines: what the facility bills for an encounter.

- inpatient stays: one line per revenue code of the stay's charge mix
  (room and board for each night, pharmacy, supplies, lab, imaging, operating
  room and implants for surgical DRGs), priced together by the stay's MS-DRG
  and split by `share`;
- ED visits and observation stays: the ED level (0450) or observation hours
  (0762, G0378), plus the procedures and the labs done there;
- hospital outpatient and ASC surgery: the surgical code at the facility rate,
  every other line packaged into it (the OPPS comprehensive-APC rule; an ASC
  is paid a share of the OPPS rate);
- dialysis: one ESRD treatment line (0821);
- post-acute care (post_acute_lines): a skilled nursing stay bills room and board for each day
  and its therapy, drugs and supplies, paid per diem (the SNF PPS: the stay's days x the per diem,
  split over its lines); a home health period bills its nursing, therapy and aide visits (G0299,
  G0151, G0156 at a share of the 30-day period payment); a month of hospice bills routine home
  care days (0651, Q5001, per diem).

Types of bill (UB-04 FL4): 0111 inpatient, 0131 hospital outpatient, 0831
ambulatory surgery, 0721 ESRD facility, 0211 SNF inpatient, 0329 home health, 0811 hospice.
"""

from __future__ import annotations

import numpy as np

from healthsim.products.claims.inputs import Encounters, LabTests, Procedures
from healthsim.products.claims.lines import INSTITUTIONAL, LineSet
from healthsim.reference.claims import fee_schedule, ms_drgs, payment_parameters, revenue_codes

TYPE_OF_BILL = {"inpatient": "0111", "observation": "0131", "emergency": "0131",
                "outpatient_surgery": "0131", "ambulatory_surgery": "0831", "dialysis": "0721",
                "snf": "0211", "home_health": "0329", "hospice": "0811"}
OUTPATIENT = ("observation", "emergency", "outpatient_surgery", "ambulatory_surgery")
SURGICAL = ("outpatient_surgery", "ambulatory_surgery")


def facility_rows(enc: Encounters, setting: str | tuple[str, ...]) -> np.ndarray:
    names = (setting,) if isinstance(setting, str) else setting
    return np.flatnonzero(enc.is_setting(names) & (enc.facility > 0))


def _fee(code: str) -> int:
    return int(fee_schedule().rows([code])[0])


def outpatient_lines(enc: Encounters, procs: Procedures, labs: LabTests) -> LineSet:
    """ED, observation and outpatient/ASC surgery facility lines."""
    fs = fee_schedule()
    ed = facility_rows(enc, "emergency")
    ed = ed[enc.em_row[ed] >= 0]
    obs = facility_rows(enc, "observation")
    heads = [
        LineSet.build(len(ed), kind=INSTITUTIONAL, encounter=enc.id[ed], fee_row=enc.em_row[ed],
                      code=enc.em_vocab[enc.em_code[ed]], code_system="CPT", revenue_code="0450",
                      day=enc.start_day[ed], pos=enc.pos[ed]),
        LineSet.build(len(obs), kind=INSTITUTIONAL, encounter=enc.id[obs], fee_row=_fee("G0378"),
                      code="G0378", code_system="HCPCS", units=enc.hours[obs], revenue_code="0762",
                      day=enc.start_day[obs], pos=enc.pos[obs]),
    ]
    hosp = facility_rows(enc, OUTPATIENT)
    keep = np.isin(procs.encounter, enc.id[hosp]) & (procs.fee_row >= 0)
    p = np.flatnonzero(keep)
    row = enc.rows_of(procs.encounter[p])
    fee = procs.fee_row[p]
    surgical = enc.is_setting(SURGICAL)[row]
    primary = _primary_surgery(procs.encounter[p], fee, surgical)
    # a visit without surgery (a hospital-based CT or echo) is paid its studies' own APC rates; with
    # surgery, everything but the primary procedure is packaged into the comprehensive APC
    with_surgery = np.isin(procs.encounter[p], procs.encounter[p][primary])
    separately_paid = np.nan_to_num(fs.opps[fee]) > 0
    asc = enc.is_setting(("ambulatory_surgery",))[row]
    proc_lines = LineSet.build(
        len(p), kind=INSTITUTIONAL, encounter=procs.encounter[p], fee_row=fee, code=procs.code[p],
        code_system=procs.code_system[p], modifier=procs.modifier[p], units=np.maximum(procs.units[p], 1),
        revenue_code=fs.revenue_code[fee], day=procs.day[p], pos=enc.pos[row],
        packaged=surgical & ~primary & (with_surgery | ~separately_paid),
        base_scale=np.where(asc, payment_parameters()["asc_share_of_opps"], 1.0))
    lrow = enc.rows_of(labs.encounter)
    lab = np.flatnonzero((labs.fee_row >= 0) & enc.is_setting(("emergency", "observation"))[lrow]
                         & (enc.facility[lrow] > 0))
    lab_lines = LineSet.build(
        len(lab), kind=INSTITUTIONAL, encounter=labs.encounter[lab], fee_row=labs.fee_row[lab],
        code=labs.code[lab], code_system="CPT", revenue_code=fs.revenue_code[labs.fee_row[lab]],
        day=labs.day[lab], pos=enc.pos[lrow[lab]])
    hopd = facility_rows(enc, ("outpatient_surgery",))
    return LineSet.concat([*heads, proc_lines, lab_lines, _ancillaries(enc, ed, ED_ANCILLARIES, 0),
                           _ancillaries(enc, hopd, HOPD_ANCILLARIES, len(ED_ANCILLARIES))])


# What else an ED facility claim itemises besides the visit level, labs and studies: the blood
# draw, an IV push and hydration, common drugs and fluids (OPPS packages drugs and fluids into the
# visit). Per ED visit, each with its chance (HealthSim assumption, from the typical composition of
# Medicare ED facility claims; from memory): code, revenue code, units, chance, packaged.
ED_ANCILLARIES = (("36415", "0300", 1, 0.70, True), ("96374", "0260", 1, 0.35, False),
                  ("96360", "0260", 1, 0.20, False), ("J7030", "0258", 1, 0.25, True),
                  ("J2405", "0636", 4, 0.25, True), ("J1885", "0636", 2, 0.12, True),
                  ("93005", "0730", 1, 0.35, True), ("96375", "0260", 1, 0.15, True),
                  ("A4216", "0270", 2, 0.40, True), ("J2270", "0636", 1, 0.10, True))
# Hospital outpatient procedures and studies: a blood draw, fluids, an antiemetic, an IV push, contrast and
# supplies for studies.
HOPD_ANCILLARIES = (("36415", "0300", 1, 0.45, True), ("J7030", "0258", 1, 0.55, True),
                    ("J2405", "0636", 4, 0.30, True), ("96374", "0260", 1, 0.20, False),
                    ("Q9967", "0255", 100, 0.45, True), ("A4216", "0270", 2, 0.50, True),
                    ("36000", "0260", 1, 0.50, True), ("82565", "0301", 1, 0.30, True))
ANCILLARY_SALT = 32


def _ancillaries(enc: Encounters, rows: np.ndarray, table: tuple, offset: int) -> LineSet:
    """Per encounter, each ancillary of `table` with its chance (a hash of the encounter id and the
    item, so the same visit itemises the same lines in whatever block it is made)."""
    from healthsim.products.claims.hashing import hash_uniform

    if len(rows) == 0:
        return LineSet.empty()
    parts = []
    for i, (code, rev, units, chance, packaged) in enumerate(table):
        take = rows[hash_uniform(enc.id[rows], offset + i, salt=ANCILLARY_SALT) < chance]
        parts.append(LineSet.build(len(take), kind=INSTITUTIONAL, encounter=enc.id[take], fee_row=_fee(code),
                                   code=code, code_system="HCPCS" if code[0].isalpha() else "CPT",
                                   units=units, revenue_code=rev, day=enc.start_day[take], pos=enc.pos[take],
                                   packaged=packaged))
    return LineSet.concat(parts)


def _primary_surgery(encounter: np.ndarray, fee: np.ndarray, surgical: np.ndarray) -> np.ndarray:
    """True on the one line of each surgical encounter that carries the facility payment:
    its highest-paid surgical code (the comprehensive APC's primary service)."""
    if len(encounter) == 0:
        return np.zeros(0, bool)
    fs = fee_schedule()
    opps = np.nan_to_num(fs.opps[fee]) * (fs.category == "surgery")[fee]
    order = np.lexsort((-opps, encounter))
    first = np.r_[True, encounter[order][1:] != encounter[order][:-1]]
    out = np.zeros(len(encounter), bool)
    out[order[first]] = True
    return out & surgical & (opps > 0)


def dialysis_lines(enc: Encounters) -> LineSet:
    """One line per session (0821), billed monthly: an ESRD facility sends one claim per member,
    facility and calendar month (type of bill 072x), keyed on the month's first session."""
    d = facility_rows(enc, "dialysis")
    return LineSet.build(len(d), kind=INSTITUTIONAL, encounter=enc.id[d], fee_row=_fee("90999"), code="90999",
                         code_system="CPT", revenue_code="0821", day=enc.start_day[d], pos=enc.pos[d],
                         claim_encounter=_first_of_month(enc, d))


def _first_of_month(enc: Encounters, rows: np.ndarray) -> np.ndarray:
    """Per session: the encounter id of the first session of the same member, facility and month."""
    if len(rows) == 0:
        return np.zeros(0, np.int64)
    month = enc.start_day[rows].astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    key = np.stack([enc.person[rows], enc.facility[rows], month], axis=1)
    order = np.lexsort((enc.start_day[rows], enc.id[rows], key[:, 2], key[:, 1], key[:, 0]))
    k = key[order]
    new = np.r_[True, (k[1:] != k[:-1]).any(axis=1)]
    first_id = enc.id[rows][order][np.flatnonzero(new)][np.cumsum(new) - 1]
    out = np.empty(len(rows), np.int64)
    out[order] = first_id
    return out


STAY_CODE_SALT = 31
REFERENCE_NIGHTS = 3.0  # med_prob / surg_prob are for a stay of this length; longer stays bill more codes


def inpatient_lines(enc: Encounters, stay_rows: np.ndarray, drg: np.ndarray, seed: int = 0) -> LineSet:
    """Revenue-code lines of each stay, with the stay's charge shares (medical or surgical mix).

    Which ancillary codes a stay bills (ICU, CT, echo, respiratory therapy...) is a draw per (stay,
    code) from the code's probability, raised for longer stays: p' = 1 - (1 - p)^(nights / 3). The
    draw is a hash of the encounter id, so a stay bills the same codes in whatever block it is made."""
    from healthsim.products.claims.hashing import hash_uniform

    rc = revenue_codes()
    surgical = ms_drgs().type[ms_drgs().rows(drg)] == "SURG"
    codes = np.flatnonzero((rc.med_share > 0) | (rc.surg_share > 0))
    n_codes = len(codes)
    stay = np.repeat(stay_rows, n_codes)
    code = np.tile(codes, len(stay_rows))
    is_surg = np.repeat(surgical, n_codes)
    share = np.where(is_surg, rc.surg_share[code], rc.med_share[code])
    prob = np.where(is_surg, rc.surg_prob[code], rc.med_prob[code])
    nights = np.maximum(enc.end_day[stay] - enc.start_day[stay], 1)
    prob = 1.0 - (1.0 - np.clip(prob, 0.0, 1.0)) ** (nights / REFERENCE_NIGHTS)
    drawn = hash_uniform(enc.id[stay], code, seed, salt=STAY_CODE_SALT) if len(stay) else np.zeros(0)
    keep = (share > 0) & (drawn < prob)
    stay, code, share = stay[keep], code[keep], share[keep]
    nights = nights[keep]
    return LineSet.build(
        len(stay), kind=INSTITUTIONAL, encounter=enc.id[stay], revenue_code=rc.code[code],
        units=np.where(rc.group[code] == "room", nights, 1), day=enc.start_day[stay], pos=enc.pos[stay],
        share=share)


# A SNF stay's charges by revenue code (share of the stay's payment; HealthSim assumption from the make-up
# of SNF PPS claims: room and board each day, therapy, drugs and supplies): revenue code, share, per day.
SNF_MIX = (("0120", 0.55, True), ("0250", 0.10, False), ("0420", 0.14, False), ("0430", 0.12, False),
           ("0440", 0.03, False), ("0270", 0.06, False))
# A home health period's visits, one claim line each on its day: code, revenue code, visits, chance, packaged
# (HealthSim assumption: ~9-12 visits a 30-day period, mostly nursing and therapy; MedPAC March 2024 ch. 8,
# from memory). The visits share the 30-day period payment (their opps amounts).
HOME_HEALTH_VISITS = (("G0299", "0551", 5, 1.0, False), ("G0151", "0421", 4, 0.65, False),
                      ("G0156", "0571", 3, 0.3, False))
# A hospice month bills its routine home care days (Q5001, per diem) and lists its visits, paid inside the
# per diem (CMS hospice claims report visits by discipline since 2014): nurse ~weekly, aide, social worker
# (HealthSim assumption from the make-up of hospice claims; from memory).
HOSPICE_VISITS = (("G0299", "0551", 4, 1.0, True), ("G0156", "0571", 6, 0.6, True),
                  ("G0155", "0561", 1, 0.7, True))
POST_ACUTE_SALT = 33


def _visit_lines(enc: Encounters, rows: np.ndarray, table: tuple, offset: int) -> LineSet:
    """One line per visit, the visits of each item spread over the encounter's days (chance per encounter
    and item from a hash of the encounter id, as for the ED's ancillaries)."""
    from healthsim.products.claims.hashing import hash_uniform

    if len(rows) == 0:
        return LineSet.empty()
    parts = []
    days = np.maximum(enc.end_day[rows] - enc.start_day[rows], 1)
    for i, (code, rev, visits, chance, packaged) in enumerate(table):
        hit = hash_uniform(enc.id[rows], offset + i, salt=POST_ACUTE_SALT) < chance
        take = np.repeat(np.flatnonzero(hit), visits)
        nth = np.tile(np.arange(visits), int(hit.sum()))
        day = enc.start_day[rows[take]] + (nth * days[take]) // visits
        parts.append(LineSet.build(len(take), kind=INSTITUTIONAL, encounter=enc.id[rows[take]], fee_row=_fee(code),
                                   code=code, code_system="HCPCS", revenue_code=rev, day=day,
                                   pos=enc.pos[rows[take]], packaged=packaged))
    return LineSet.concat(parts)


def post_acute_lines(enc: Encounters) -> LineSet:
    """SNF stays (per diem, split by SNF_MIX), home health periods (visit lines) and hospice months
    (routine home care days)."""
    snf = facility_rows(enc, "snf")
    days = np.maximum(enc.end_day[snf] - enc.start_day[snf], 1)
    parts = [LineSet.build(len(snf), kind=INSTITUTIONAL, encounter=enc.id[snf], revenue_code=rev,
                           units=days if per_day else 1, day=enc.start_day[snf], pos=enc.pos[snf], share=share)
             for rev, share, per_day in SNF_MIX]
    parts.append(_visit_lines(enc, facility_rows(enc, "home_health"), HOME_HEALTH_VISITS, 100))
    hospice = facility_rows(enc, "hospice")
    parts.append(LineSet.build(len(hospice), kind=INSTITUTIONAL, encounter=enc.id[hospice], fee_row=_fee("Q5001"),
                               code="Q5001", code_system="HCPCS", revenue_code="0651",
                               units=np.maximum(enc.end_day[hospice] - enc.start_day[hospice], 1),
                               day=enc.start_day[hospice], pos=enc.pos[hospice]))
    parts.append(_visit_lines(enc, hospice, HOSPICE_VISITS, 200))
    return LineSet.concat(parts)
