"""Which benefit a claim line is paid under (the service type copays are keyed by).

Payers decide cost sharing from the kind of claim and the service on the line.
HealthSim's rules, applied to whole columns:

- preventive services (fee schedule hint 'preventive': wellness visits,
  screenings, vaccines) cost the member nothing: PREVENTIVE;
- labs are 'lab' and imaging 'imaging' wherever they are billed;
- a facility claim takes its setting's benefit for every line: inpatient and
  observation stays 'inpatient', ED visits 'er', hospital outpatient and ASC
  surgery 'outpatient_surgery'; dialysis goes to deductible and coinsurance;
- a professional visit claim (office, home, therapy) is 'pcp' when the
  rendering provider is a primary care provider and 'specialist' otherwise;
  telehealth and urgent care visits have their own benefit; the visit's other
  lines (an ECG, an injection) share its copay, taken once per claim;
- professional services in a hospital or ASC (ED physician, hospitalist,
  surgeon, anesthesiologist) go to deductible and coinsurance.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from healthsim.products.claims.benefits import DEDUCTIBLE_COINSURANCE, PREVENTIVE
from healthsim.reference.claims import fee_schedule
from healthsim.spec.coverage import SERVICE_TYPES

_S = {s: i for i, s in enumerate(SERVICE_TYPES)}
FACILITY_BENEFIT = {"inpatient": "inpatient", "observation": "inpatient", "emergency": "er",
                    "outpatient_surgery": "outpatient_surgery", "ambulatory_surgery": "outpatient_surgery",
                    "snf": "inpatient"}
NO_COST_SHARING = ("home_health", "hospice")
"""Medicare pays home health and hospice care in full (no deductible or coinsurance); HealthSim applies
that to every payer."""
VISIT_BENEFIT = {"telehealth": "telehealth", "urgent_care": "urgent_care"}
VISIT_SETTINGS = ("office", "home", "therapy", "telehealth", "urgent_care")


@cache
def fee_hints() -> tuple[np.ndarray, list[str]]:
    """(hint code per fee schedule row, hint vocabulary) of the fee schedule's service column."""
    vocab, code = np.unique(fee_schedule().service.astype(str), return_inverse=True)
    return code, [str(v) for v in vocab]


def benefit_service(fee_row: np.ndarray, setting_code: np.ndarray, setting_vocab: list[str],
                    institutional: np.ndarray, pcp_rendering: np.ndarray) -> np.ndarray:
    """Service type per line (SERVICE_TYPES index, DEDUCTIBLE_COINSURANCE or PREVENTIVE).

    `fee_row` is the line's fee schedule row (-1: none), `setting_code` its
    encounter type as a code into `setting_vocab` ('lab' for an independent
    lab claim), `institutional` marks facility claims, `pcp_rendering` lines
    whose rendering provider is a PCP.
    """
    hint_of_row, hint_vocab = fee_hints()
    h_code = np.where(fee_row >= 0, hint_of_row[np.maximum(fee_row, 0)], -1)

    def hint_is(name: str) -> np.ndarray:
        return h_code == (hint_vocab.index(name) if name in hint_vocab else -2)

    def setting_is(names: tuple[str, ...]) -> np.ndarray:
        return np.isin(setting_code, [i for i, v in enumerate(setting_vocab) if v in names])

    out = np.full(len(h_code), DEDUCTIBLE_COINSURANCE, np.int16)
    visit = ~institutional & setting_is(VISIT_SETTINGS)
    out[visit] = np.where(pcp_rendering[visit], _S["pcp"], _S["specialist"])
    for name, benefit in VISIT_BENEFIT.items():
        out[visit & setting_is((name,))] = _S[benefit]
    for name, benefit in FACILITY_BENEFIT.items():
        out[institutional & setting_is((name,))] = _S[benefit]
    out[hint_is("lab") | setting_is(("lab",))] = _S["lab"]
    out[hint_is("imaging")] = _S["imaging"]
    out[hint_is("preventive")] = PREVENTIVE
    out[institutional & setting_is(("inpatient",))] = _S["inpatient"]  # a DRG stay is one benefit
    out[institutional & setting_is(NO_COST_SHARING)] = PREVENTIVE  # paid in full
    return out
