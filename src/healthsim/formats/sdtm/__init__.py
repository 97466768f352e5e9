"""CDISC SDTM (SDTMIG 3.4) from TrialSim tables: XPT v5, CSV and define.xml 2.1."""

from healthsim.formats.sdtm import exporter  # noqa: F401 (registers the format)
