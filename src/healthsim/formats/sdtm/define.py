"""define.xml 2.1 (CDISC ODM 1.3.2 with the Define-XML 2.1 extensions) describing the datasets.

One ItemGroupDef per domain (name, label, structure, class, the XPT file as def:leaf), one ItemDef
per variable (name, label, data type, length) and the codelists the conformance check applies.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from healthsim.formats.sdtm import ct
from healthsim.formats.sdtm.variables import DOMAINS

CLASSES = {"DM": "SPECIAL PURPOSE", "SV": "SPECIAL PURPOSE", "AE": "EVENTS", "DS": "EVENTS", "MH": "EVENTS",
           "DV": "EVENTS", "CM": "INTERVENTIONS", "EX": "INTERVENTIONS", "VS": "FINDINGS", "LB": "FINDINGS", "EG": "FINDINGS", "QS": "FINDINGS", "TU": "FINDINGS", "TR": "FINDINGS", "RS": "FINDINGS",
           "TA": "TRIAL DESIGN", "TE": "TRIAL DESIGN", "TV": "TRIAL DESIGN", "TI": "TRIAL DESIGN",
           "TS": "TRIAL DESIGN"}


def define_xml(study, domains) -> str:
    sid = escape(str(study["study_id"]))
    groups, items, lists = [], {}, []
    for code, (label, variables) in DOMAINS.items():
        if code not in domains:  # an optional domain the protocol does not produce
            continue
        df = domains[code]
        refs = []
        for order, v in enumerate(variables, start=1):
            oid = f"IT.{code}.{v.name}"
            length = ""
            if v.type == "Char":
                width = int(df[v.name].str.len().max() or 1) if len(df) else 1
                length = f' Length="{max(1, min(200, width))}"'
            dtype = "text" if v.type == "Char" else ("integer" if v.name.endswith(("SEQ", "DY", "AGE", "TAETORD"))
                                                     else "float")
            cl = f'<CodeListRef CodeListOID="CL.{v.name}"/>' if v.name in ct.CODELISTS else ""
            items[oid] = (f'<ItemDef OID="{oid}" Name="{v.name}" DataType="{dtype}"{length}>'
                          f'<Description><TranslatedText xml:lang="en">{escape(v.label)}</TranslatedText>'
                          f"</Description>{cl}</ItemDef>")
            mandatory = "Yes" if v.core == "Req" else "No"
            refs.append(f'<ItemRef ItemOID="{oid}" OrderNumber="{order}" Mandatory="{mandatory}"/>')
        groups.append(
            f'<ItemGroupDef OID="IG.{code}" Domain="{code}" Name="{code}" Repeating="{"No" if code == "DM" else "Yes"}"'
            f' IsReferenceData="{"Yes" if CLASSES[code] == "TRIAL DESIGN" else "No"}" SASDatasetName="{code}"'
            f' def:Structure="One record per {escape(label.lower())} record" def:StandardOID="STD.SDTMIG.3.4"'
            f' def:ArchiveLocationID="LF.{code}">'
            f'<Description><TranslatedText xml:lang="en">{escape(label)}</TranslatedText></Description>'
            + "".join(refs) + f'<def:Class Name="{CLASSES[code]}"/>'
            f'<def:leaf ID="LF.{code}" xlink:href="{code.lower()}.xpt"><def:title>{code.lower()}.xpt</def:title>'
            "</def:leaf></ItemGroupDef>")
    for name, values in sorted(ct.CODELISTS.items()):
        entries = "".join(f"<EnumeratedItem CodedValue={quoteattr(v)}/>" for v in sorted(values) if v)
        lists.append(f'<CodeList OID="CL.{name}" Name="{name}" DataType="text">{entries}</CodeList>')
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3" xmlns:def="http://www.cdisc.org/ns/def/v2.1" '
            'xmlns:xlink="http://www.w3.org/1999/xlink" ODMVersion="1.3.2" FileType="Snapshot" '
            f'FileOID="DEF.{sid}" CreationDateTime="{study["end_date"]}T00:00:00" '
            'def:Context="Other" Originator="HealthSim">'
            f'<Study OID="ST.{sid}"><GlobalVariables><StudyName>{sid}</StudyName>'
            f"<StudyDescription>{escape(str(study['title']))}</StudyDescription>"
            f"<ProtocolName>{sid}</ProtocolName></GlobalVariables>"
            f'<MetaDataVersion OID="MDV.{sid}" Name="{sid} SDTM" def:DefineVersion="2.1.0">'
            '<def:Standards><def:Standard OID="STD.SDTMIG.3.4" Name="SDTMIG" Type="IG" Version="3.4" '
            'Status="Final"/></def:Standards>'
            + "".join(groups) + "".join(items.values()) + "".join(lists)
            + "</MetaDataVersion></Study></ODM>\n")
