"""One C-CDA R2.1 Continuity of Care Document (CCD) per patient, as XML text.

The header (US Realm Header + CCD templates) names the patient (MRN, address,
phone, birth sex, CDC race and ethnicity), the author (the patient's PCP, else
HealthSim), the custodian and the period the document covers. The body has the
CCD's required sections (allergies, medications, problems, results, vital
signs, social history with birth sex) and encounters, immunizations and
procedures, each with its template id, LOINC code, a human-readable table and
coded entries (ICD-10-CM, RxNorm, LOINC with UCUM units, CVX, CPT/HCPCS/ICD-10-PCS,
SNOMED CT). Nothing dated after as_of is included. Values are escaped in one
place (formats/xmltext.py).
"""

from __future__ import annotations

from datetime import date, datetime

from healthsim.formats.ccda import templates as T
from healthsim.formats.xmltext import attr, text

GENDER_NAMES = {"F": "Female", "M": "Male"}
STATUS = {"active": "active", "completed": "completed"}
PROCEDURE_SYSTEMS = {"CPT": T.CPT, "HCPCS": T.HCPCS, "ICD-10-PCS": T.ICD10PCS}


def ts(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y%m%d%H%M%S") + "+0000"
    if isinstance(value, date):
        return value.strftime("%Y%m%d")
    return str(value)


def tid(template: tuple[str, str]) -> str:
    root, ext = template
    return f'<templateId root="{root}"/><templateId root="{root}" extension="{ext}"/>'


def code(value, system: str, display=None, element: str = "code", xsi: str | None = None) -> str:
    if not value:
        return f'<{element} nullFlavor="UNK"/>'
    kind = f' xsi:type="{xsi}"' if xsi else ""
    shown = f' displayName="{attr(display)}"' if display else ""
    return f'<{element}{kind} code="{attr(value)}" codeSystem="{system}"{shown}/>'


def time_span(low, high=None) -> str:
    high_part = f'<high value="{ts(high)}"/>' if high is not None else ""
    return f'<effectiveTime><low value="{ts(low)}"/>{high_part}</effectiveTime>' if low is not None else \
        '<effectiveTime><low nullFlavor="UNK"/></effectiveTime>'


def table(headers: list[str], rows: list[list]) -> str:
    if not rows:
        return "<text>None recorded.</text>"
    head = "".join(f"<th>{text(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{text(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<text><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></text>"


def section(s: T.Section, narrative: str, entries: list[str]) -> str:
    empty = ' nullFlavor="NI"' if not entries and s.required else ""
    return (f"<component><section{empty}>{tid(s.template)}"
            f'<code code="{s.code}" codeSystem="{T.LOINC}" codeSystemName="LOINC" displayName="{attr(s.title)}"/>'
            f"<title>{text(s.title)}</title>{narrative}"
            + "".join(f'<entry typeCode="DRIV">{e}</entry>' for e in entries) + "</section></component>")


class DocumentContext:
    """Ids for one cohort: document and entry ids are uuid5 over the cohort and key."""

    def __init__(self, fhir_ctx, as_of: date, stamp: datetime):
        self.fhir, self.as_of, self.stamp = fhir_ctx, as_of, stamp

    def id(self, *key) -> str:
        return f'<id root="{self.fhir.rid("ccda", *key)}"/>'


# --- header --------------------------------------------------------------------------------------
def header(ctx: DocumentContext, p: dict, mrn: str | None, author: dict | None, period: tuple) -> str:
    race = p.get("race_code")
    eth = p.get("ethnicity_code")
    phone = "".join(ch for ch in p.get("phone") or "" if ch.isdigit())
    patient = (f'<patientRole><id root="2.16.840.1.113883.19.5" extension="{attr(mrn or p["person_id"])}"/>'
               f'<addr use="HP"><streetAddressLine>{text(p.get("address_line"))}</streetAddressLine>'
               f'<city>{text(p.get("city"))}</city><state>{text(p.get("state"))}</state>'
               f'<postalCode>{text(p.get("zip"))}</postalCode><country>US</country></addr>'
               + (f'<telecom use="HP" value="tel:+1-{phone[:3]}-{phone[3:6]}-{phone[6:]}"/>' if phone else
                  '<telecom nullFlavor="UNK"/>')
               + f'<patient><name use="L"><given>{text(p.get("first_name"))}</given>'
               f'<family>{text(p.get("last_name"))}</family></name>'
               + code(p.get("sex"), T.GENDER, GENDER_NAMES.get(p.get("sex")), "administrativeGenderCode")
               + f'<birthTime value="{ts(p.get("birth_date"))}"/>'
               + (code(race[0], T.CDC_RACE, race[1], "raceCode") if race else '<raceCode nullFlavor="UNK"/>')
               + (code(eth[0], T.CDC_RACE, eth[1], "ethnicGroupCode") if eth else '<ethnicGroupCode nullFlavor="UNK"/>')
               + '<languageCommunication><languageCode code="en"/></languageCommunication></patient></patientRole>')
    if author:
        who = (f'<id root="{T.NPI}" extension="{attr(author["npi"])}"/>'
               f'<addr><streetAddressLine>{text(author.get("address_line"))}</streetAddressLine>'
               f'<city>{text(author.get("city"))}</city><state>{text(author.get("state"))}</state>'
               f'<postalCode>{text(author.get("zip"))}</postalCode></addr><telecom use="WP" value="tel:{attr(author.get("phone") or "")}"/>'
               f'<assignedPerson><name><given>{text(author.get("first_name"))}</given>'
               f'<family>{text(author.get("last_name"))}</family></name></assignedPerson>')
    else:
        who = ('<id root="2.16.840.1.113883.19.5" extension="HEALTHSIM"/><addr nullFlavor="UNK"/>'
               '<telecom nullFlavor="UNK"/><assignedAuthoringDevice><manufacturerModelName>HealthSim'
               '</manufacturerModelName><softwareName>HealthSim</softwareName></assignedAuthoringDevice>')
    stamp = ts(ctx.stamp)
    return ('<realmCode code="US"/>'
            f'<typeId root="{T.TYPE_ID[0]}" extension="{T.TYPE_ID[1]}"/>{tid(T.US_REALM_HEADER)}{tid(T.CCD)}'
            + ctx.id("document", p["person_id"])
            + f'<code code="{T.CCD_CODE}" codeSystem="{T.LOINC}" codeSystemName="LOINC" '
              'displayName="Summarization of Episode Note"/>'
            '<title>Continuity of Care Document</title>'
            f'<effectiveTime value="{stamp}"/>'
            '<confidentialityCode code="N" codeSystem="2.16.840.1.113883.5.25"/><languageCode code="en-US"/>'
            f"<recordTarget>{patient}</recordTarget>"
            f'<author><time value="{stamp}"/><assignedAuthor>{who}</assignedAuthor></author>'
            '<custodian><assignedCustodian><representedCustodianOrganization>'
            '<id root="2.16.840.1.113883.19.5" extension="HEALTHSIM"/><name>HealthSim Synthetic Data</name>'
            '<telecom use="WP" value="tel:+1-800-555-0100"/><addr><streetAddressLine>1 Synthetic Way'
            '</streetAddressLine><city>Hartford</city><state>CT</state><postalCode>06101</postalCode>'
            '<country>US</country></addr></representedCustodianOrganization></assignedCustodian></custodian>'
            '<documentationOf><serviceEvent classCode="PCPR">'
            f'<effectiveTime><low value="{ts(period[0])}"/><high value="{ts(period[1])}"/></effectiveTime>'
            '</serviceEvent></documentationOf>')


# --- sections --------------------------------------------------------------------------------------
def allergies(ctx, pid, items) -> tuple[str, list[str]]:
    rows, entries = [], []
    for a in items:
        obs_value = ('<value xsi:type="CD" code="419199007" codeSystem="2.16.840.1.113883.6.96" '
                     'displayName="Allergy to substance (disorder)"/>')
        if a.known:
            agent = code(a.code, T.RXNORM if a.system == "rxnorm" else T.SNOMED, a.display)
            participant = (f'<participant typeCode="CSM"><participantRole classCode="MANU"><playingEntity '
                           f'classCode="MMAT">{agent}</playingEntity></participantRole></participant>')
            reaction = (f'<entryRelationship typeCode="MFST" inversionInd="true"><observation classCode="OBS" '
                        f'moodCode="EVN">{tid(T.REACTION_OBSERVATION)}{ctx.id("reaction", pid, a.code)}'
                        f'<code code="ASSERTION" codeSystem="{T.ACT_CODE}"/><statusCode code="completed"/>'
                        f'{time_span(a.recorded)}'
                        f'{code(a.reaction["code"], T.SNOMED, a.reaction["display"], "value", "CD")}'
                        f'</observation></entryRelationship>')
            negation = ""
            rows.append([a.display, a.category, a.reaction["display"], a.severity, a.recorded.isoformat()])
        else:
            participant = ('<participant typeCode="CSM"><participantRole classCode="MANU"><playingEntity '
                           'classCode="MMAT"><code nullFlavor="NA"/></playingEntity></participantRole></participant>')
            reaction, negation = "", ' negationInd="true"'
            rows.append(["No known allergies", "", "", "", a.recorded.isoformat()])
        observation = (f'<observation classCode="OBS" moodCode="EVN"{negation}>{tid(T.ALLERGY_OBSERVATION)}'
                       f'{ctx.id("allergy", pid, a.code)}<code code="ASSERTION" codeSystem="{T.ACT_CODE}"/>'
                       f'<statusCode code="completed"/>{time_span(a.recorded)}{obs_value}{participant}{reaction}'
                       '</observation>')
        entries.append(f'<act classCode="ACT" moodCode="EVN">{tid(T.SECTIONS[0].entry)}'
                       f'{ctx.id("allergy-concern", pid, a.code)}<code code="CONC" codeSystem="2.16.840.1.113883.5.6"/>'
                       f'<statusCode code="active"/>{time_span(a.recorded)}'
                       f'<entryRelationship typeCode="SUBJ">{observation}</entryRelationship></act>')
    return table(["Substance", "Category", "Reaction", "Severity", "Recorded"], rows), entries


def _drug_code(m) -> str:
    """The RxNorm code; a trial's investigational product has none: nullFlavor OTH with its name."""
    if m["rxnorm"]:
        return code(m["rxnorm"], T.RXNORM, m["drug_name"])
    return f'<code nullFlavor="OTH"><originalText>{text(m["drug_name"])}</originalText></code>'


def medications(ctx, pid, items) -> tuple[str, list[str]]:
    rows, entries = [], []
    for m in items:
        status = "active" if m["status"] == "active" else "completed"
        rows.append([m["drug_name"] or m["rxnorm"], m["sig"] or "", ts(m["start_date"]), status])
        dose = (f'<doseQuantity value="{m["dose"]:g}" unit="{attr(m["dose_unit"] or "1")}"/>'
                if m["dose"] is not None else "")
        entries.append(
            f'<substanceAdministration classCode="SBADM" moodCode="INT">{tid(T.SECTIONS[1].entry)}'
            f'{ctx.id("medication", m["order_id"])}<text>{text(m["sig"])}</text><statusCode code="{status}"/>'
            f'<effectiveTime xsi:type="IVL_TS"><low value="{ts(m["start_date"])}"/>'
            + (f'<high value="{ts(m["end_date"])}"/>' if m["end_date"] and m["end_date"] <= ctx.as_of else "")
            + f"</effectiveTime>{dose}"
            f'<consumable><manufacturedProduct classCode="MANU">{tid(T.MEDICATION_INFORMATION)}'
            f'<manufacturedMaterial>{_drug_code(m)}</manufacturedMaterial>'
            "</manufacturedProduct></consumable></substanceAdministration>")
    return table(["Medication", "Directions", "Start", "Status"], rows), entries


def problems(ctx, pid, items) -> tuple[str, list[str]]:
    rows, entries = [], []
    for c in items:
        rows.append([c["description"] or c["code"], c["code"], ts(c["onset_date"]), "Active"])
        observation = (f'<observation classCode="OBS" moodCode="EVN">{tid(T.PROBLEM_OBSERVATION)}'
                       f'{ctx.id("problem", pid, c["code"])}'
                       f'<code code="55607006" codeSystem="{T.SNOMED}" displayName="Problem"/>'
                       f'<statusCode code="completed"/>{time_span(c["onset_date"])}'
                       f'{code(c["code"], T.ICD10CM, c["description"], "value", "CD")}</observation>')
        entries.append(f'<act classCode="ACT" moodCode="EVN">{tid(T.SECTIONS[2].entry)}'
                       f'{ctx.id("problem-concern", pid, c["code"])}'
                       f'<code code="CONC" codeSystem="2.16.840.1.113883.5.6"/><statusCode code="active"/>'
                       f'{time_span(c["onset_date"])}<entryRelationship typeCode="SUBJ">{observation}'
                       "</entryRelationship></act>")
    return table(["Problem", "ICD-10-CM", "Onset", "Status"], rows), entries


def _result_observation(ctx, o, template) -> str:
    if o["value"] is not None:
        unit = o["unit"] or "1"
        value = f'<value xsi:type="PQ" value="{o["value"]:g}" unit="{attr(unit)}"/>'
    else:
        value = f'<value xsi:type="ST">{text(o["value_text"])}</value>'
    interp = (f'<interpretationCode code="{attr(o["abnormal_flag"])}" codeSystem="{T.UCUM_NULL}"/>'
              if o.get("abnormal_flag") else "")
    ref = ""
    if o.get("ref_low") is not None and o.get("ref_high") is not None:
        unit = attr(o["unit"] or "1")
        ref = (f'<referenceRange><observationRange><value xsi:type="IVL_PQ"><low value="{o["ref_low"]:g}" '
               f'unit="{unit}"/><high value="{o["ref_high"]:g}" unit="{unit}"/></value></observationRange>'
               "</referenceRange>")
    return (f'<component><observation classCode="OBS" moodCode="EVN">{tid(template)}'
            f'{ctx.id("observation", o["observation_id"])}{code(o["loinc"], T.LOINC, o["display"])}'
            f'<statusCode code="completed"/><effectiveTime value="{ts(o["time"])}"/>{value}{interp}{ref}'
            "</observation></component>")


def results(ctx, pid, orders, results_by_order) -> tuple[str, list[str]]:
    rows, entries = [], []
    for o in orders:
        obs = results_by_order.get(o["order_id"], [])
        if not obs:
            continue
        for r in obs:
            shown = f"{r['value']:g} {r['unit'] or ''}".strip() if r["value"] is not None else r["value_text"]
            rows.append([o["display"] or o["loinc"], r["display"] or r["loinc"], shown, r["abnormal_flag"] or "",
                         ts(r["time"])])
        entries.append(f'<organizer classCode="BATTERY" moodCode="EVN">{tid(T.SECTIONS[3].entry)}'
                       f'{ctx.id("result", o["order_id"])}{code(o["loinc"], T.LOINC, o["display"])}'
                       f'<statusCode code="completed"/>{time_span(o["collected_time"], o["resulted_time"])}'
                       + "".join(_result_observation(ctx, r, T.RESULT_OBSERVATION) for r in obs) + "</organizer>")
    return table(["Panel", "Test", "Result", "Flag", "Collected"], rows), entries


def vital_signs(ctx, pid, vitals_by_time) -> tuple[str, list[str]]:
    rows, entries = [], []
    for when, obs in vitals_by_time:
        for r in obs:
            rows.append([ts(when), r["display"] or r["loinc"], f"{r['value']:g} {r['unit'] or ''}".strip()])
        entries.append(f'<organizer classCode="CLUSTER" moodCode="EVN">{tid(T.SECTIONS[4].entry)}'
                       f'{ctx.id("vitals", pid, ts(when))}'
                       f'<code code="46680005" codeSystem="{T.SNOMED}" displayName="Vital signs"/>'
                       f'<statusCode code="completed"/><effectiveTime value="{ts(when)}"/>'
                       + "".join(_result_observation(ctx, r, T.VITAL_SIGN_OBSERVATION) for r in obs) + "</organizer>")
    return table(["Date", "Vital sign", "Value"], rows), entries


def social_history(ctx, pid, sex) -> tuple[str, list[str]]:
    if sex not in ("F", "M"):
        return "<text>Birth sex unknown.</text>", []
    entry = (f'<observation classCode="OBS" moodCode="EVN">{tid(T.SECTIONS[5].entry)}'
             f'<code code="76689-9" codeSystem="{T.LOINC}" displayName="Sex assigned at birth"/>'
             f'<statusCode code="completed"/><value xsi:type="CD" code="{sex}" codeSystem="{T.GENDER}"/></observation>')
    return table(["Observation", "Value"], [["Sex assigned at birth", GENDER_NAMES[sex]]]), [entry]


def encounters(ctx, pid, items, dx_by_encounter) -> tuple[str, list[str]]:
    rows, entries = [], []
    for e in items:
        dx = dx_by_encounter.get(e["encounter_id"], [])
        rows.append([e["type"], e["em_code"] or "", ts(e["start_time"]), ", ".join(d["code"] for d in dx)])
        diagnoses = "".join(
            f'<entryRelationship typeCode="COMP"><act classCode="ACT" moodCode="EVN">{tid(T.ENCOUNTER_DIAGNOSIS)}'
            f'<code code="29308-4" codeSystem="{T.LOINC}" displayName="Diagnosis"/>'
            f'<entryRelationship typeCode="SUBJ"><observation classCode="OBS" moodCode="EVN">'
            f'{tid(T.PROBLEM_OBSERVATION)}{ctx.id("encounter-dx", e["encounter_id"], d["rank"])}'
            f'<code code="282291009" codeSystem="{T.SNOMED}" displayName="Diagnosis"/><statusCode code="completed"/>'
            f'{time_span(e["start_time"])}{code(d["code"], T.ICD10CM, d["description"], "value", "CD")}'
            "</observation></entryRelationship></act></entryRelationship>" for d in dx)
        entries.append(f'<encounter classCode="ENC" moodCode="EVN">{tid(T.SECTIONS[6].entry)}'
                       f'{ctx.id("encounter", e["encounter_id"])}'
                       + (code(e["em_code"], T.CPT, e["type"]) if e["em_code"] else
                          f'<code nullFlavor="OTH"><originalText>{text(e["type"])}</originalText></code>')
                       + f'{time_span(e["start_time"], e["end_time"])}{diagnoses}</encounter>')
    return table(["Setting", "Code", "Date", "Diagnoses"], rows), entries


def immunizations(ctx, pid, doses) -> tuple[str, list[str]]:
    rows, entries = [], []
    for d in doses:
        rows.append([d.name, d.cvx, d.when.isoformat(), d.dose])
        entries.append(f'<substanceAdministration classCode="SBADM" moodCode="EVN" negationInd="false">'
                       f'{tid(T.SECTIONS[7].entry)}{ctx.id("immunization", pid, d.cvx, d.when)}'
                       f'<statusCode code="completed"/><effectiveTime value="{ts(d.when)}"/>'
                       f'<consumable><manufacturedProduct classCode="MANU">{tid(T.IMMUNIZATION_MEDICATION)}'
                       f'<manufacturedMaterial>{code(d.cvx, T.CVX, d.name)}</manufacturedMaterial>'
                       "</manufacturedProduct></consumable></substanceAdministration>")
    return table(["Vaccine", "CVX", "Date", "Dose"], rows), entries


def procedures(ctx, pid, items) -> tuple[str, list[str]]:
    rows, entries = [], []
    for p in items:
        rows.append([p["description"] or p["code"], p["code"], p["code_system"], ts(p["date"])])
        system = PROCEDURE_SYSTEMS.get(p["code_system"], T.CPT)
        entries.append(f'<procedure classCode="PROC" moodCode="EVN">{tid(T.SECTIONS[8].entry)}'
                       f'{ctx.id("procedure", p["procedure_id"])}{code(p["code"], system, p["description"])}'
                       f'<statusCode code="completed"/><effectiveTime value="{ts(p["date"])}"/></procedure>')
    return table(["Procedure", "Code", "System", "Date"], rows), entries


def payers(ctx, pid, spans, as_of: date) -> tuple[str, list[str]]:
    """The Payers section: one Coverage Activity per enrollment span, holding its Policy
    Activity (payer organisation, SOPT coverage type, member id, covered period)."""
    from healthsim.formats.payers import payer_for

    rows, entries = [], []
    for e in spans:
        payer = payer_for(e["plan_id"], e["plan"])
        sopt = T.SOPT_CODES.get(e["coverage_type"])
        rows.append([e["plan"] or payer.name, e["coverage_type"], e["member_id"] or "",
                     ts(e["start_date"]), ts(e["end_date"])])
        kind = (f'<code code="{sopt[0]}" codeSystem="{T.SOPT}" codeSystemName="Source of Payment Typology (PHDSC)"'
                f' displayName="{attr(sopt[1])}"/>') if sopt else '<code nullFlavor="OTH"/>'
        member = f'<id root="{ctx.fhir.rid("ccda", "member-system", e["plan_id"])}" extension="{attr(e["member_id"])}"/>' \
            if e["member_id"] else '<id nullFlavor="UNK"/>'
        relationship = {"01": "SPS", "19": "CHILD"}.get(e["relationship"] or "18", "SELF")
        policy = (f'<act classCode="ACT" moodCode="EVN">{tid(T.POLICY_ACTIVITY)}'
                  f'{ctx.id("policy", pid, e["span_no"])}{kind}<statusCode code="completed"/>'
                  f'<performer typeCode="PRF"><templateId root="{T.PAYER_PERFORMER[0]}"/><assignedEntity>'
                  f'<id root="2.16.840.1.113883.6.300" extension="{payer.payer_id}"/>'
                  f'<code code="PAYOR" codeSystem="2.16.840.1.113883.5.110" codeSystemName="HL7 RoleClassRelationship"/>'
                  f"<representedOrganization><name>{text(e['plan'] or payer.name)}</name></representedOrganization>"
                  "</assignedEntity></performer>"
                  f'<participant typeCode="COV"><templateId root="{T.COVERED_PARTY[0]}"/>'
                  f'<time><low value="{ts(e["start_date"])}"/>'
                  + (f'<high value="{ts(e["end_date"])}"/>' if e["end_date"] <= as_of else "") + "</time>"
                  f'<participantRole classCode="PAT">{member}'
                  f'<code code="{relationship}" codeSystem="2.16.840.1.113883.5.111" codeSystemName="HL7 RoleCode"/>'
                  "</participantRole></participant></act>")
        entries.append(f'<act classCode="ACT" moodCode="EVN">{tid(T.SECTIONS[9].entry)}'
                       f'{ctx.id("coverage", pid, e["span_no"])}'
                       f'<code code="48768-6" codeSystem="{T.LOINC}" displayName="Payment sources"/>'
                       f'<statusCode code="completed"/><entryRelationship typeCode="COMP">'
                       f'<sequenceNumber value="{e["span_no"] or 1}"/>{policy}</entryRelationship></act>')
    return table(["Plan", "Coverage", "Member ID", "From", "To"], rows), entries


def document(ctx: DocumentContext, head: str, parts: dict[str, tuple[str, list[str]]]) -> str:
    body = "".join(section(s, *parts[s.key]) for s in T.SECTIONS if s.key in parts)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<ClinicalDocument xmlns="urn:hl7-org:v3" xmlns:sdtc="urn:hl7-org:sdtc" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"{head}<component><structuredBody>{body}</structuredBody></component></ClinicalDocument>\n")
