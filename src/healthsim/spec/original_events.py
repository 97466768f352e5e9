"""Typed events of the original journey documents -> HealthSim journey events.

`encounter`, `prescription`, `referral`, `observation`, `procedure`, `admission`
+ `discharge` (the journey builder); `outreach`, `engagement`, `administrative`,
`milestone`, `diagnosis`, `lab_order`, `medication_order`, `new_enrollment`,
`termination`, `plan_change` (the template documents), each with its `details`.
A detail HealthSim cannot represent is dropped with a note; an event with
nothing left is dropped, and events timed from it are re-anchored to its own
anchor (original_journey.fix_references).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from healthsim.spec.aliases import COMPARISON, _note, billable_code, day_of, drug_for, table

if TYPE_CHECKING:
    from healthsim.spec.original_journey import JourneyContext

MEMBER_KINDS = [  # (keywords in the event's id/type/purpose/channel, member_event kind)
    (("id_card", "member_id_card", "card"), "id_card_mailed"),
    (("welcome",), "welcome_outreach"),
    (("health_risk", "hra"), "health_risk_assessment"),
    (("pcp", "provider_assignment", "primary care provider"), "pcp_selection"),
    (("portal", "digital", "mobile_app", "app"), "member_portal_registration"),
    (("care_management", "care management", "cm_", "care_plan", "program", "gap", "case_management",
      "disease_management", "tcm"), "care_management"),
    (("call", "phone", "outreach", "reminder", "notice", "letter", "mail", "email", "text", "survey"),
     "outreach_call"),
]
ENROLLMENT_WORDS = {"add": ("coverage_effective", "effective", "new_enrollment", "834", "renewal", "plan_change",
                            "reinstat", "enrollment_type"),
                    "term": ("termination", "terminat", "disenroll", "cancel", "lapse")}
DISPOSITIONS = {"home": "01", "home_self_care": "01", "home_with_home_health": "06", "home_health": "06",
                "snf": "03", "skilled_nursing": "03", "ltach": "63", "long_term_acute_care": "63", "rehab": "62",
                "inpatient_rehab": "62", "irf": "62", "hospice": "50", "hospice_home": "50", "expired": "20",
                "ama": "07", "transfer": "02"}
EVENT_TYPE_ALIASES = {"lab_order": "observation", "medication_order": "prescription", "milestone": "administrative",
                      "new_enrollment": "administrative", "termination": "administrative",
                      "plan_change": "administrative"}


def typed_event(e: dict, ctx: JourneyContext, where: str, out: list[dict], pending: list) -> list[dict]:
    """The HealthSim event(s) for one original typed event (none when nothing maps)."""
    from healthsim.spec.original_journey import timing_of

    kind = str(e.get("type", e.get("event_type", "encounter"))).lower()
    kind = EVENT_TYPE_ALIASES.get(kind, kind)
    details = dict(e.get("details") or e.get("parameters") or {})
    original_id = str(e.get("id") or e.get("event_id") or "")
    timing = timing_of(e, ctx, where)
    base: dict = {}
    if timing:
        base["timing"] = timing
    if e.get("condition"):
        when = when_of(str(e["condition"]), ctx, where)
        if when:
            base["when"] = when
    if e.get("probability") is not None:
        base["probability"] = float(e["probability"])
    made = _made(kind, e, details, ctx, where, out, pending, base)
    if not made:
        ctx.dropped(original_id, timing)
        return []
    first = made[0]
    first["id"] = ctx.new_id(original_id or first.get("id") or kind)
    for extra in made[1:]:
        extra["id"] = ctx.new_id(extra.get("id") or f"{first['id']}_more")
    return made


def _made(kind: str, e: dict, details: dict, ctx: JourneyContext, where: str, out: list[dict], pending: list,
          base: dict) -> list[dict]:
    if kind == "encounter":
        return [{"type": "encounter", **base, **_encounter(e, details, ctx, where)}]
    if kind == "diagnosis":
        code = details.get("icd10") or details.get("code") or ctx.condition
        if not code:
            _note(ctx.notes, f"{where}: a diagnosis with no code dropped")
            return []
        return [{"type": "encounter", "setting": "office", **base,
                 "diagnoses": [{"code": billable_code(str(code)), "record": True}]}]
    if kind == "prescription":
        return _prescriptions(details, ctx, where, base)
    if kind == "referral":
        to = specialty_of(str(details.get("specialty") or details.get("type") or details.get("to") or ""), ctx, where)
        for extra in ("urgency", "purpose"):
            if extra in details:
                _note(ctx.notes, f"{where}: referral {extra} dropped")
        return [{"type": "referral", **base, "referral": {"to": to or "primary_care"}}]
    if kind == "observation":
        return _observation(details, ctx, where, out, base)
    if kind == "procedure":
        codes = _procedure_codes(details, ctx, where)
        if not codes:
            return []
        admission = next((x for x in reversed(out) if x.get("setting") == "inpatient"), None)
        if admission is not None and not base.get("when"):
            admission.setdefault("procedures", []).extend(codes)
            return []
        return [{"type": "encounter", "setting": "outpatient_surgery", **base, "em": "none", "procedures": codes}]
    if kind == "admission":
        event = {"type": "encounter", "setting": "inpatient", **base}
        admission_type = str(details.get("admission_type", "")).lower()
        if admission_type in ("emergency", "urgent", "elective", "newborn", "labor"):
            event["admission_type"] = admission_type
        los = details.get("expected_los")
        if isinstance(los, dict) and isinstance(los.get("range"), list):
            event["length_of_stay"] = {"distribution": "uniform", "min": los["range"][0], "max": los["range"][1]}
        elif isinstance(los, dict) and los.get("mean") is not None:
            event["length_of_stay"] = {"distribution": "constant", "value": los["mean"]}
        for extra in ("unit", "drg", "admission_source"):
            if extra in details:
                _note(ctx.notes, f"{where}: admission {extra} {details[extra]!r} dropped")
        if ctx.condition:
            event["diagnoses"] = [{"condition": ctx.condition}]
        pending.append((event, day_of(e.get("timing") or {})))
        return [event]
    if kind == "discharge":
        _discharge(e, details, ctx, where, pending)
        return []
    if kind in ("administrative", "engagement", "outreach"):
        return _member_event(kind, e, details, ctx, where, base)
    if kind.startswith("claim"):
        _note(ctx.notes, f"{where}: {kind} dropped: claims are made from the encounters")
        return []
    _note(ctx.notes, f"{where}: event type {kind!r} has no HealthSim counterpart; dropped")
    return []


def _discharge(e: dict, details: dict, ctx: JourneyContext, where: str, pending: list) -> None:
    day = day_of(e.get("timing") or {})
    if not pending:
        _note(ctx.notes, f"{where}: a discharge with no admission before it is dropped")
        return
    event, start = pending[-1]
    if day is not None and start is not None and day >= start and "length_of_stay" not in event:
        event["length_of_stay"] = {"distribution": "constant", "value": day - start}
        _note(ctx.notes, f"{where}: discharge on day {day} read as a {day - start}-night stay")
    disposition = details.get("disposition")
    weights = {}
    if isinstance(disposition, str):
        weights = {disposition: 1.0}
    elif isinstance(disposition, dict):
        weights = disposition.get("weights") or {}
    codes: dict[str, float] = {}
    for label, w in weights.items():
        code = DISPOSITIONS.get(str(label).lower())
        if code:
            codes[code] = codes.get(code, 0.0) + float(w)
    if codes and abs(sum(codes.values()) - 1) < 1e-6:
        event["disposition"] = {"weights": codes}
    elif weights:
        _note(ctx.notes, f"{where}: discharge disposition {sorted(weights)} not all known; the default mix is used")
    ctx.alias(str(e.get("id") or "discharge"), event, day, start)


def _member_event(kind: str, e: dict, details: dict, ctx: JourneyContext, where: str, base: dict) -> list[dict]:
    words = " ".join(str(x).lower() for x in (e.get("id"), e.get("event_id"), e.get("name"), details.get("type"),
                                              details.get("purpose"), details.get("channel"), details.get("item"),
                                              details.get("notice_type"), details.get("transaction_type"),
                                              details.get("change_reason"), details.get("request_type"),
                                              e.get("event_type")) if x)
    notice = any(k in words for k in ("notice", "letter", "reminder", "survey", "comparison", "review"))
    for change, keys in ENROLLMENT_WORDS.items():
        if not notice and any(k in words for k in keys):
            return [{"type": "enrollment_change", **base, "change": change,
                     "reason": str(details.get("change_reason") or details.get("type") or e.get("event_type")
                                   or kind)[:60]}]
    member_kind = next((k for keys, k in MEMBER_KINDS if any(w in words for w in keys)), None)
    if member_kind is None:
        member_kind = {"outreach": "outreach_call", "engagement": "care_management"}.get(kind)
    if member_kind is None:
        _note(ctx.notes, f"{where}: {kind} event {e.get('id') or e.get('event_id')!r} has no HealthSim "
              "counterpart; dropped")
        return []
    if details.get("completion_rate") is not None:
        base = {**base, "probability": float(details["completion_rate"])}
    return [{"type": "member_event", **base, "kind": member_kind}]


def _prescriptions(details: dict, ctx: JourneyContext, where: str, base: dict) -> list[dict]:
    names: list[str] = []
    for key in ("medication", "drug_name", "drug"):
        if details.get(key):
            names.append(str(details[key]))
    for key in ("medications", "gdmt_initiation", "discharge_meds"):
        for m in details.get(key) or []:
            names.append(str(m.get("drug") or m.get("class") or m.get("name")) if isinstance(m, dict) else str(m))
    rxcui = str(details.get("rxnorm") or "")
    out = []
    from healthsim.reference.clinical import drugs

    if rxcui and rxcui in drugs():
        out.append({"type": "medication", **base, "order": {"drug": rxcui}})
    for name in names:
        drug = drug_for(name.split()[0] if " " in name and drug_for(name) is None else name)
        if drug is None:
            _note(ctx.notes, f"{where}: medication {name!r} is not in the shipped RxNorm subset; dropped")
            continue
        order: dict = {"drug": drug}
        dose = re.match(r"^\s*(\d+(?:\.\d+)?)", str(details.get("dose", "")))
        if dose and len(names) == 1:
            order["dose"] = float(dose.group(1))
        if details.get("frequency") and len(names) == 1:
            order["frequency"] = str(details["frequency"])
        if details.get("days_supply"):
            order["days_supply"] = int(details["days_supply"])
        if details.get("refills") is not None:
            order["refills"] = int(details["refills"])
        if not any(x["order"]["drug"] == drug for x in out):
            out.append({"type": "medication", **base, "order": order})
    if details.get("refill"):
        _note(ctx.notes, f"{where}: a refill is a renewal order of the same drug")
    return out


def _lab_names(tests: list) -> list[str]:
    return [str(t.get("name") if isinstance(t, dict) else t).lower().replace(" ", "_").replace("-", "_")
            for t in tests or []]


def _observation(details: dict, ctx: JourneyContext, where: str, out: list[dict], base: dict) -> list[dict]:
    names = _lab_names(details.get("tests") or details.get("orders") or details.get("panels") or [])
    if details.get("test_name"):
        names.append(str(details["test_name"]).lower().replace(" ", "_"))
    labs = list(dict.fromkeys(table()["labs"][t] for t in names if t in table()["labs"]))
    loinc = str(details.get("loinc") or "")
    if loinc and not labs:
        labs += _panel_for_loinc(loinc)
    procs = [table()["test_procedures"][t] for t in names if t in table()["test_procedures"]]
    dropped = [t for t in names if t not in table()["labs"] and t not in table()["test_procedures"]]
    if dropped:
        _note(ctx.notes, f"{where}: tests {dropped} are not in the shipped lab panels; dropped")
    previous = next((x for x in reversed(out) if x.get("type") == "encounter"
                     and x.get("timing") == base.get("timing")), None)
    if previous is not None and (labs or procs):
        previous["labs"] = list(dict.fromkeys((previous.get("labs") or []) + labs))
        if procs:
            previous["procedures"] = (previous.get("procedures") or []) + procs
        _note(ctx.notes, f"{where}: observation added to the visit {previous.get('id')!r} on the same day")
        return []
    if procs:
        return [{"type": "encounter", "setting": "office", **base, "labs": labs, "procedures": procs}]
    if not labs:
        return []
    return [{"type": "lab", **base, "labs": labs}]


def _panel_for_loinc(loinc: str) -> list[str]:
    from healthsim.reference.clinical import lab_panels, observables

    for p in lab_panels().values():
        if p.loinc == loinc or loinc in p.members:
            return [p.panel]
    obs = {o.loinc: o.key for o in observables().values()}
    key = obs.get(loinc)
    return [key] if key and key in lab_panels() else []


def _procedure_codes(details: dict, ctx: JourneyContext, where: str) -> list[str]:
    raw: list[str] = []
    for key, value in details.items():
        if key.startswith("cpt") or key in ("procedure_codes", "procedures", "codes"):
            raw += [str(v) for v in value] if isinstance(value, list) else [str(value)]
    if details.get("type") and not raw:
        mapped = table()["procedures"].get(str(details["type"]).lower().replace(" ", "_"))
        if mapped:
            raw.append(mapped)
    known = [c for c in raw if _known_procedure(c)]
    unknown = [c for c in raw if not _known_procedure(c)]
    if unknown or not known:
        _note(ctx.notes, f"{where}: procedure {unknown or details.get('type') or sorted(details)!r} is not in the "
              "shipped CPT/HCPCS subset; dropped")
    return known


def _known_procedure(code: str) -> bool:
    from healthsim.reference.clinical import procedure_codes

    return bool(code) and code in procedure_codes()


def specialty_of(text: str, ctx: JourneyContext, where: str) -> str | None:
    from healthsim.spec.journey_events import SPECIALTIES

    key = text.strip().lower().replace(" ", "_").replace("-", "_")
    aliases = {"pcp": "primary_care", "primary": "primary_care", "endocrine": "endocrinology",
               "ob": "obstetrics_gynecology", "obgyn": "obstetrics_gynecology", "ob_gyn": "obstetrics_gynecology",
               "pt": "physical_therapy", "orthopedics": "orthopedic_surgery", "ortho": "orthopedic_surgery",
               "surgery": "general_surgery", "cardiologist": "cardiology", "pulmonary": "pulmonology",
               "eye": "ophthalmology", "dietitian": "nutrition", "behavioral_health": "psychiatry"}
    key = aliases.get(key, key)
    if not key:
        return None
    if key in SPECIALTIES:
        return key
    _note(ctx.notes, f"{where}: specialty {text!r} is not one HealthSim's network has; the default is used")
    return None


def _encounter(e: dict, details: dict, ctx: JourneyContext, where: str) -> dict:
    from healthsim.spec.journey_events import SETTINGS

    visit = str(details.get("visit_type") or details.get("encounter_type") or e.get("encounter_type")
                or "office_visit").lower()
    out: dict = {}
    if re.fullmatch(r"\d{5}|[A-Z]\d{4}", visit.upper()):
        out["setting"] = "office"
        if _is_em(visit.upper()):
            out["em"] = visit.upper()
        elif _known_procedure(visit.upper()):
            out["procedures"] = [visit.upper()]
        else:
            _note(ctx.notes, f"{where}: visit code {visit.upper()} is not in the shipped E/M subset; the "
                  "setting's usual E/M codes are used")
    else:
        entry = table()["visit_types"].get(visit)
        if entry is None and visit in SETTINGS:
            entry = {"setting": visit}
        if entry is None:
            _note(ctx.notes, f"{where}: visit type {visit!r} read as an office visit")
            entry = {"setting": "office"}
        out.update(entry)
    specialty = specialty_of(str(details.get("specialty", "")), ctx, where) if details.get("specialty") else None
    if specialty:
        out["specialty"] = specialty
    codes = details.get("cpt") or details.get("cpt_codes") or []
    for c in codes if isinstance(codes, list) else [codes]:
        c = str(c).upper()
        if _is_em(c) and "em" not in out:
            out["em"] = c
        elif _known_procedure(c) and not _is_em(c):
            out.setdefault("procedures", []).append(c)
        else:
            _note(ctx.notes, f"{where}: code {c} is not in the shipped CPT/HCPCS subset; dropped")
    diagnoses = [{"code": billable_code(str(d))} for d in details.get("diagnoses") or []]
    if details.get("reason") and re.fullmatch(r"[A-Z]\d{2}(\.\w+)?", str(details["reason"])):
        diagnoses.append({"code": billable_code(str(details["reason"]))})
    if diagnoses:
        out["diagnoses"] = diagnoses
    elif ctx.condition:
        out["diagnoses"] = [{"condition": ctx.condition}]
    orders = _lab_names(details.get("orders") or details.get("panels") or [])
    labs = [table()["labs"][o] for o in orders if o in table()["labs"]]
    if labs:
        out["labs"] = list(dict.fromkeys(labs))
    dropped = [o for o in orders if o not in table()["labs"]]
    if dropped:
        _note(ctx.notes, f"{where}: orders {dropped} are not lab panels; dropped")
    if details.get("purpose"):
        out["name"] = str(details["purpose"]).replace("_", " ")[:80]
    return out


def _is_em(code: str) -> bool:
    """An office/ED/inpatient E/M or preventive code of the shipped subset (consults 9924x are not)."""
    from healthsim.reference.clinical import procedure_codes

    info = procedure_codes().get(code)
    return info is not None and info.category in ("em", "preventive")


def when_of(test: str, ctx: JourneyContext, where: str) -> dict | None:
    """An original event/branch condition ('a1c > 7.5', 'egfr < 45') as a member condition."""
    m = COMPARISON.match(test.lower())
    if m and m.group(1) in ("a1c", "hba1c"):
        value = float(m.group(3))
        labels = ["poor"] if value >= 9 else ["suboptimal", "poor"]
        _note(ctx.notes, f"{where}: condition {test!r} read as diabetes_control {labels}")
        return {"attribute": {"diabetes_control": labels}}
    if m and m.group(1) == "egfr":
        value = float(m.group(3))
        prefixes = ["N18.4", "N18.5", "N18.6"] + (["N18.32"] if value >= 45 else [])
        _note(ctx.notes, f"{where}: condition {test!r} read as CKD stages {prefixes}")
        return {"condition": prefixes}
    if test.lower().strip() == "random":
        return None
    _note(ctx.notes, f"{where}: condition {test!r} cannot be read; the event happens for everyone")
    return None
