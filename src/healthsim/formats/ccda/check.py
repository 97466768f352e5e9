"""A structural check of a C-CDA R2.1 CCD: well-formed XML (lxml), the header the US
Realm Header requires, every CCD section with its template id (root and extension),
LOINC code, title and narrative, and every entry with its section's entry template
and the nested templates it must carry. Dates are checked to be valid and not after
`as_of`.

Why not the CDA R2 XSD: HL7 publishes it, but it is not on PyPI and this project
ships nothing fetched from the web at test time; so the XSD's job (structure) is
done here for the parts a CCD consumer relies on, and lxml checks well-formedness.
Returns a list of problems (empty: the document passes).
"""

from __future__ import annotations

import re
from datetime import date

from healthsim.formats.ccda import templates as T

NS = {"v3": "urn:hl7-org:v3", "xsi": "http://www.w3.org/2001/XMLSchema-instance"}
_TS = re.compile(r"^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?([+-]\d{4})?$")
NESTED = {  # entry template root -> templates that must appear inside the entry
    "2.16.840.1.113883.10.20.22.4.30": (T.ALLERGY_OBSERVATION,),
    "2.16.840.1.113883.10.20.22.4.3": (T.PROBLEM_OBSERVATION,),
    "2.16.840.1.113883.10.20.22.4.16": (T.MEDICATION_INFORMATION,),
    "2.16.840.1.113883.10.20.22.4.1": (T.RESULT_OBSERVATION,),
    "2.16.840.1.113883.10.20.22.4.26": (T.VITAL_SIGN_OBSERVATION,),
    "2.16.840.1.113883.10.20.22.4.52": (T.IMMUNIZATION_MEDICATION,),
    "2.16.840.1.113883.10.20.22.4.60": (T.POLICY_ACTIVITY,),
}


def _has_template(el, template) -> bool:
    root, ext = template
    return bool(el.xpath(f'v3:templateId[@root="{root}" and @extension="{ext}"]', namespaces=NS))


def _valid_ts(value: str) -> bool:
    m = _TS.match(value)
    if not m:
        return False
    y, mo, d = int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1)
    try:
        date(y, mo, d)
    except ValueError:
        return False
    return True


def check_document(xml: bytes, as_of: date | None = None) -> list[str]:
    try:
        from lxml import etree
    except ImportError as exc:  # lxml is a test/extra dependency
        raise RuntimeError("the C-CDA check needs lxml (pip install lxml)") from exc
    try:
        doc = etree.fromstring(xml)
    except etree.XMLSyntaxError as exc:
        return [f"not well-formed XML: {exc}"]
    problems: list[str] = []
    if doc.tag != "{urn:hl7-org:v3}ClinicalDocument":
        return [f"root is {doc.tag}, not ClinicalDocument in urn:hl7-org:v3"]

    def need(path: str, what: str, el=doc) -> list:
        found = el.xpath(path, namespaces=NS)
        if not found:
            problems.append(f"missing {what} ({path})")
        return found

    need('v3:realmCode[@code="US"]', "realmCode US")
    need(f'v3:typeId[@root="{T.TYPE_ID[0]}" and @extension="{T.TYPE_ID[1]}"]', "typeId POCD_HD000040")
    for template, name in ((T.US_REALM_HEADER, "US Realm Header"), (T.CCD, "CCD")):
        if not _has_template(doc, template):
            problems.append(f"missing {name} templateId {template[0]} extension {template[1]}")
    need("v3:id[@root]", "document id")
    need(f'v3:code[@code="{T.CCD_CODE}" and @codeSystem="{T.LOINC}"]', "document code 34133-9")
    need("v3:title", "title")
    need("v3:effectiveTime[@value]", "effectiveTime")
    need("v3:confidentialityCode[@code]", "confidentialityCode")
    need("v3:languageCode[@code]", "languageCode")
    role = need("v3:recordTarget/v3:patientRole", "recordTarget/patientRole")
    if role:
        for path, what in (("v3:id", "patient id"), ("v3:addr", "patient address"), ("v3:telecom", "telecom"),
                           ("v3:patient/v3:name/v3:given", "given name"), ("v3:patient/v3:name/v3:family", "family"),
                           ("v3:patient/v3:administrativeGenderCode", "administrativeGenderCode"),
                           ("v3:patient/v3:birthTime[@value]", "birthTime"),
                           ("v3:patient/v3:raceCode", "raceCode"), ("v3:patient/v3:ethnicGroupCode", "ethnicGroupCode")):
            need(path, what, role[0])
    need("v3:author/v3:time[@value]", "author time")
    need("v3:author/v3:assignedAuthor/v3:id", "author id")
    need("v3:custodian/v3:assignedCustodian/v3:representedCustodianOrganization/v3:id", "custodian id")
    need("v3:custodian/v3:assignedCustodian/v3:representedCustodianOrganization/v3:name", "custodian name")
    need("v3:documentationOf/v3:serviceEvent/v3:effectiveTime/v3:low", "serviceEvent period")
    sections = doc.xpath("v3:component/v3:structuredBody/v3:component/v3:section", namespaces=NS)
    if not sections:
        problems.append("no structuredBody sections")
    by_root: dict[str, list] = {}
    for s in sections:
        for t in set(s.xpath("v3:templateId/@root", namespaces=NS)):
            by_root.setdefault(t, []).append(s)
    for spec in T.SECTIONS:
        found = by_root.get(spec.template[0], [])
        if not found:
            if spec.required:
                problems.append(f"missing required section {spec.title} ({spec.template[0]})")
            continue
        if len(found) > 1:
            problems.append(f"section {spec.title} appears {len(found)} times")
        s = found[0]
        where = f"section {spec.title}"
        if not _has_template(s, spec.template):
            problems.append(f"{where}: templateId without extension {spec.template[1]}")
        need(f'v3:code[@code="{spec.code}" and @codeSystem="{T.LOINC}"]', f"{where} code {spec.code}", s)
        need("v3:title", f"{where} title", s)
        need("v3:text", f"{where} narrative text", s)
        entries = s.xpath("v3:entry/*", namespaces=NS)
        if spec.required and not entries and s.get("nullFlavor") is None:
            problems.append(f"{where}: no entries and no nullFlavor")
        for e in entries:
            if not _has_template(e, spec.entry):
                problems.append(f"{where}: entry {e.tag.split('}')[1]} lacks template {spec.entry[0]}")
                continue
            for inner in NESTED.get(spec.entry[0], ()):
                if not e.xpath(f'.//v3:templateId[@root="{inner[0]}" and @extension="{inner[1]}"]',
                               namespaces=NS):
                    problems.append(f"{where}: entry lacks nested template {inner[0]}")
    for el in doc.xpath("//*[@code and not(@nullFlavor)]", namespaces=NS):
        if el.tag.endswith("}languageCode") or el.tag.endswith("}realmCode") or el.tag.endswith("}statusCode"):
            continue
        if not el.get("codeSystem") and el.get("code") not in ("ASSERTION",):
            problems.append(f"{el.tag.split('}')[1]} code {el.get('code')} without codeSystem")
    limit = as_of.strftime("%Y%m%d") if as_of else None
    for value in doc.xpath("//v3:effectiveTime/@value | //v3:effectiveTime/*/@value | //v3:birthTime/@value "
                           "| //v3:time/@value | //v3:time/*/@value", namespaces=NS):
        if not _valid_ts(value):
            problems.append(f"invalid timestamp {value!r}")
        elif limit and value[:8] > limit:
            problems.append(f"timestamp {value} after as_of {limit}")
    return problems[:50]
