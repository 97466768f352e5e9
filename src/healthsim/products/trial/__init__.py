"""TrialSim: a protocol run on a cohort's member state (docs/trialsim.md).

`run_trial(protocol, inputs, as_of)` screens the candidates, randomises, schedules visits,
draws exposure, findings, adverse events and disposition, and returns the trial tables
(canonical/trial.py) plus the rows it adds to the cohort's EMR (encounters at the sites,
their diagnoses, the USUBJID in the identity crosswalk). Pure: Arrow in, Arrow out.
"""

from healthsim.products.trial.inputs import TrialInputs, tap_filter
from healthsim.products.trial.run import TrialResult, run_trial

__all__ = ["TrialInputs", "TrialResult", "run_trial", "tap_filter"]
