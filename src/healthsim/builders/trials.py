"""Whether TrialSim is installed, so trial requests are routed to it or refused clearly.

The trial engine (spec/trial.py, templates/trials/) is built separately; until
its module is importable, a trial request parses (so a person sees what was
understood) but is marked unavailable, and generating it is refused with a
message saying so, instead of quietly producing an ordinary cohort.
"""

from __future__ import annotations

import importlib.util

UNAVAILABLE = ("clinical trials (TrialSim: subjects, arms, visits, SDTM) are not available in this "
               "version of HealthSim; ask for the population instead (e.g. '300 adults with type 2 "
               "diabetes'), or install a version with TrialSim")


def trial_available() -> bool:
    """True when the TrialSim spec module is installed."""
    try:
        return importlib.util.find_spec("healthsim.spec.trial") is not None
    except (ImportError, ValueError):
        return False
