"""Billing and rendering NPIs of each claim, from the encounter and the network.

- professional: billed by the rendering clinician's practice (an urgent care
  centre bills for its own clinicians; a DME supplier bills the equipment its
  member's clinician ordered, who is the claim's rendering/ordering provider);
- anesthesia: an anesthesiologist working at the encounter's facility;
- lab: the lab-draw encounter's lab, else the member's nearest independent lab
  (one lab per member);
- institutional: the facility, with the encounter's clinician as attending.
"""

from __future__ import annotations

import numpy as np

from healthsim.engine.members import MemberBlock
from healthsim.products.claims.inputs import Encounters
from healthsim.products.claims.lines import ANESTHESIA, INSTITUTIONAL, LAB, PROFESSIONAL
from healthsim.products.network.lookup import pick_at_facility, pick_facilities, pick_providers
from healthsim.products.network.pool import Network
from healthsim.reference.network import PCP_ROLES, supply

PCP_TEAM = ("nurse_practitioner", "physician_assistant")


def claim_parties(net: Network, m: MemberBlock, enc: Encounters, claim_kind: np.ndarray,
                  claim_encounter: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """(billing NPI, rendering NPI (0 = none), rendering is a PCP) per claim."""
    row = enc.rows_of(claim_encounter)
    n = len(row)
    billing = np.zeros(n, np.int64)
    rendering_id = np.zeros(n, np.int64)
    prof = np.isin(claim_kind, (PROFESSIONAL, INSTITUTIONAL))
    rendering_id[prof] = enc.provider[row[prof]]
    anes = np.flatnonzero(claim_kind == ANESTHESIA)
    if len(anes):
        rendering_id[anes] = _anesthesiologists(net, m, enc, row[anes], rng)
    has = rendering_id > 0
    p = net.providers
    billing[has] = net.practices.npi[p.practice[rendering_id[has] - 1]]
    urgent = (claim_kind == PROFESSIONAL) & enc.is_setting(("urgent_care", "dme"))[row] & (enc.facility[row] > 0)
    billing[urgent] = net.facilities.npi[enc.facility[row[urgent]] - 1]
    inst = claim_kind == INSTITUTIONAL
    billing[inst] = net.facilities.npi[enc.facility[row[inst]] - 1]
    lab = np.flatnonzero(claim_kind == LAB)
    billing[lab] = net.facilities.npi[_labs(net, m, enc, row[lab], rng) - 1]
    rendering = np.where(has, p.npi[np.maximum(rendering_id, 1) - 1], 0)
    rendering[lab] = 0
    return billing, rendering, _is_pcp(net, rendering_id) & (claim_kind == PROFESSIONAL)


def _anesthesiologists(net: Network, m: MemberBlock, enc: Encounters, row: np.ndarray,
                       rng: np.random.Generator) -> np.ndarray:
    out = np.zeros(len(row), np.int64)
    at = enc.facility[row] > 0
    if at.any():
        out[at] = pick_at_facility(net, "anesthesiology", enc.facility[row[at]], rng)
    if (~at).any():
        member = enc.person[row[~at]] - m.person_id[0]
        out[~at] = pick_providers(net, "anesthesiology", m.zip_row[member], rng)[0]
    return out


def _labs(net: Network, m: MemberBlock, enc: Encounters, row: np.ndarray,
          rng: np.random.Generator) -> np.ndarray:
    """facility_id of the lab billing each lab claim."""
    member = enc.person[row] - m.person_id[0]
    uniq, inverse = np.unique(member, return_inverse=True)
    nearest = pick_facilities(net, "lab", m.zip_row[uniq], rng)[0][inverse] if len(uniq) else \
        np.zeros(0, np.int64)
    own = enc.is_setting(("lab",))[row] & (enc.facility[row] > 0)
    return np.where(own, enc.facility[row], nearest)


def _is_pcp(net: Network, provider_id: np.ndarray) -> np.ndarray:
    """True for PCPs and for NPs/PAs working in a primary care practice."""
    t = supply()
    out = np.zeros(len(provider_id), bool)
    has = provider_id > 0
    kind = net.providers.kind[provider_id[has] - 1]
    practice_kind = net.practices.kind[net.providers.practice[provider_id[has] - 1]]
    out[has] = np.isin(t.role[kind], PCP_ROLES) | (
        np.isin(t.kind[kind], PCP_TEAM) & np.isin(t.role[practice_kind], PCP_ROLES))
    return out
