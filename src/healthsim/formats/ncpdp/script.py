"""NCPDP SCRIPT NewRx (XML, version 2017071) for each prescription, linked to the D.0
claim of its first fill.

Each medication order becomes one NewRx message from its prescriber to the
pharmacy that filled it first (the member's usual pharmacy when it was never
filled): patient, pharmacy (NCPDP ID, NPI), prescriber (NPI), and the medication
as written (RxNorm and, when filled, the NDC dispensed; quantity with its NCI
unit of measure, days supply, refills, written date, substitution allowed, the
visit's principal diagnosis, sig). The header's PrescriberOrderNumber is the
order id, which pharmacy_claims.order_id carries, so the link to the D.0
billing is in the data; `newrx_claims.csv` spells it out: message id, order,
the first fill's claim id and its prescription reference number (402-D2, as in
the `ncpdp` export's B1 request) and B1 file.

Files: `script/<first>-<last>/newrx-<order_id>.xml` (one message per file, as
sent) and `newrx_claims.csv`. The NCPDP XML schema is licensed by NCPDP and not
shipped; the tests check well-formedness (lxml) and the message structure (the
required elements in order, NPIs with a valid check digit, dates not after
as_of) and that every link resolves to a B1 request with the same NDC,
prescriber and pharmacy.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import datetime, time
from pathlib import Path

from healthsim.formats.base import CohortSource, register
from healthsim.formats.fhir.common import rows
from healthsim.formats.ncpdp.exporter import ndc11, rx_number
from healthsim.formats.xmltext import text

VERSION = "2017071"
NAMESPACE = "http://www.ncpdp.org/schema/SCRIPT"
GENDER = {"F": "F", "M": "M"}
# NCI Thesaurus codes for the SCRIPT quantity unit of measure (FDA/NCPDP terminology; from memory):
# tablet, capsule and millilitre have their own codes; devices (pens, syringes, inhalers) are "each".
UNITS = {"tablet": "C48542", "capsule": "C48480", "mL": "C28254", "g": "C48155"}
EACH = "C64933"
TABLES = {"persons": None, "medication_orders": None, "pharmacy_claims": None, "encounters": None,
          "diagnoses": None, "pcp_attributions": None}


def el(name: str, value) -> str:
    return f"<{name}>{text(value)}</{name}>"


def address(row: dict) -> str:
    return ("<Address>" + el("AddressLine1", row.get("address_line")) + el("City", row.get("city"))
            + el("StateProvince", row.get("state")) + el("PostalCode", row.get("zip"))
            + el("CountryCode", "US") + "</Address>")


def phone(value: str | None) -> str:
    digits = "".join(ch for ch in value or "" if ch.isdigit()) or "8005550100"
    return f"<CommunicationNumbers><PrimaryTelephone>{el('Number', digits[:10])}</PrimaryTelephone></CommunicationNumbers>"


def message(order: dict, person: dict, pharmacy: dict, prescriber: dict, fill: dict | None, dx: str | None,
            message_id: str, sent: datetime) -> str:
    qty = order["quantity"] if order["quantity"] is not None else (fill or {}).get("quantity") or 1
    drug = ("<DrugCoded>"
            + (f"<ProductCode>{el('Code', ndc11(fill['ndc']))}{el('Qualifier', 'ND')}</ProductCode>" if fill else "")
            + f"<DrugDBCode>{el('Code', order['rxnorm'])}{el('Qualifier', 'SBD' if order.get('generic') is False else 'SCD')}"
            "</DrugDBCode></DrugCoded>")
    diagnosis = (f"<Diagnosis>{el('ClinicalInformationQualifier', '1')}<Primary>{el('Code', dx)}"
                 f"{el('Qualifier', 'ABF')}</Primary></Diagnosis>") if dx else ""
    body = (
        "<NewRx>"
        "<Patient><HumanPatient><Name>" + el("LastName", person.get("last_name")) + el("FirstName", person.get("first_name"))
        + "</Name>" + el("Gender", GENDER.get(person.get("sex"), "U"))
        + f"<DateOfBirth>{el('Date', person['birth_date'].isoformat())}</DateOfBirth>" + address(person)
        + "</HumanPatient></Patient>"
        "<Pharmacy><Identification>" + el("NCPDPID", pharmacy.get("ncpdp_id")) + el("NPI", pharmacy.get("npi"))
        + "</Identification>" + el("BusinessName", pharmacy.get("name")) + address(pharmacy)
        + phone(pharmacy.get("phone")) + "</Pharmacy>"
        "<Prescriber><NonVeterinarian><Identification>" + el("NPI", prescriber.get("npi")) + "</Identification>"
        "<Name>" + el("LastName", prescriber.get("last_name")) + el("FirstName", prescriber.get("first_name"))
        + "</Name>" + address(prescriber) + phone(prescriber.get("phone")) + "</NonVeterinarian></Prescriber>"
        "<MedicationPrescribed>" + el("DrugDescription", order["drug_name"] or order["rxnorm"]) + drug
        + f"<Quantity>{el('Value', f'{float(qty):g}')}{el('CodeListQualifier', '38')}"
        f"<QuantityUnitOfMeasure>{el('Code', UNITS.get(order['quantity_unit'] or '', EACH))}</QuantityUnitOfMeasure>"
        "</Quantity>" + el("DaysSupply", int(order["days_supply"]))
        + f"<WrittenDate>{el('Date', order['authored_time'].date().isoformat())}</WrittenDate>"
        + el("Substitutions", "0") + el("NumberOfRefills", int(order["refills"])) + diagnosis
        + f"<Sig>{el('SigText', order['sig'] or order['drug_name'])}</Sig>"
        "</MedicationPrescribed></NewRx>")
    head = ("<Header>" + f'<To Qualifier="P">{text(pharmacy.get("ncpdp_id"))}</To>'
            + f'<From Qualifier="D">{text(prescriber.get("npi"))}</From>' + el("MessageID", message_id)
            + el("SentTime", sent.strftime("%Y-%m-%dT%H:%M:%SZ"))
            + el("PrescriberOrderNumber", order["order_id"]) + "</Header>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<Message xmlns="{NAMESPACE}" DatatypesVersion="{VERSION}" TransportVersion="{VERSION}" '
            f'TransactionDomain="SCRIPT" TransactionVersion="{VERSION}" StructuresVersion="{VERSION}" '
            f'ECLVersion="{VERSION}">{head}<Body>{body}</Body></Message>\n')


@register
class NcpdpScriptExporter:
    name = "ncpdp-script"
    description = "NCPDP SCRIPT 2017071 NewRx XML per prescription, linked to the D.0 claim of its first fill"
    requires = ("persons", "medication_orders")
    needs_rows = (("medication_orders", {}),)

    def export(self, source: CohortSource, out: Path) -> dict[str, int]:
        info = source.info
        cutoff = datetime.combine(info.as_of, time(23, 59, 59))
        pharmacies = {p["pharmacy_id"]: p for p in rows(source.static("pharmacies"))} \
            if source.has("pharmacies") else {}
        providers = {p["provider_id"]: p for p in rows(source.static("providers"))} if source.has("providers") else {}
        by_npi = {p["npi"]: p for p in providers.values()}
        fallback_pharmacy = next(iter(pharmacies.values()), {"ncpdp_id": "0000000", "npi": "1999999984",
                                                             "name": "PHARMACY"})
        links = io.StringIO()
        writer = csv.writer(links, lineterminator="\n")
        writer.writerow(["message_id", "order_id", "person_id", "first_fill_claim_id", "rx_reference_number",
                         "b1_file", "ndc"])
        counts: dict[str, int] = defaultdict(int)
        for block in source.person_blocks(TABLES):
            folder = out / "script" / f"{block.lo:08d}-{block.hi:08d}"
            persons = {p["person_id"]: p for p in rows(block["persons"])}
            fills: dict = {}
            usual: dict = {}
            if "pharmacy_claims" in block.tables:
                for c in rows(block["pharmacy_claims"]):
                    usual.setdefault(c["person_id"], c["pharmacy_id"])
                    if c["refill_no"] == 0 and c["order_id"] not in fills:
                        fills[c["order_id"]] = c
            visits = {e["encounter_id"]: e for e in rows(block["encounters"])} if "encounters" in block.tables else {}
            dx = {d["encounter_id"]: d["code"].replace(".", "") for d in rows(block["diagnoses"]) if d["rank"] == 1} \
                if "diagnoses" in block.tables else {}
            pcp = {r["person_id"]: r["provider_id"] for r in rows(block["pcp_attributions"])} \
                if "pcp_attributions" in block.tables else {}
            tag = f"{block.lo:08d}-{block.hi:08d}"
            for order in rows(block["medication_orders"]):
                if order["authored_time"] > cutoff or not order["rxnorm"]:
                    continue  # (no RxNorm: a trial's study drug, dispensed by the site, never e-prescribed)
                pid, fill = order["person_id"], fills.get(order["order_id"])
                pharmacy = pharmacies.get(fill["pharmacy_id"] if fill else usual.get(pid)) or fallback_pharmacy
                visit = visits.get(order["encounter_id"]) if order["encounter_id"] is not None else None
                prescriber = (by_npi.get(fill["prescriber_npi"]) if fill and fill.get("prescriber_npi") else None) \
                    or (providers.get(visit["provider_id"]) if visit else None) or providers.get(pcp.get(pid)) \
                    or {"npi": (fill or {}).get("prescriber_npi") or "1999999984", "last_name": "PRESCRIBER"}
                message_id = f"HS{info.cohort_id}-{order['order_id']}"
                xml = message(order, persons[pid], pharmacy, prescriber, fill,
                              dx.get(order["encounter_id"]), message_id, order["authored_time"])
                folder.mkdir(parents=True, exist_ok=True)
                (folder / f"newrx-{order['order_id']}.xml").write_bytes(xml.encode("utf-8"))
                counts["newrx"] += 1
                if fill:
                    writer.writerow([message_id, order["order_id"], pid, fill["claim_id"], rx_number(fill["claim_id"]),
                                     f"b1-requests-{tag}.ncpdp", ndc11(fill["ndc"])])
                    counts["linked_to_claims"] += 1
            del block
        (out / "newrx_claims.csv").write_text(links.getvalue(), encoding="utf-8")
        return dict(counts)
