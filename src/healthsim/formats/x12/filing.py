"""Claim filing indicator codes: SBR09 on the 837 and CLP06 on the 835.

The two elements share a name but not a code list (5010 implementation guides;
the same lists are in pyx12's maps, which the tests read): the 837's SBR09
(X222A1/X223A2) has CI "Commercial Insurance Co." and BL, the 835's CLP06
(X221A1) has neither, so a commercial plan's remittance names its network type
instead (12 PPO, 13 POS, 14 EPO, HM HMO, 15 indemnity). Original Medicare bills
Part A (MA) on institutional claims and Part B (MB) on professional ones, in
both transactions. A D-SNP (dual) is a Medicare Advantage plan (16); the state
Medicaid program behind it, as secondary payer, is MC.

Which network type a commercial or exchange plan has comes from its name
(PPO/POS/EPO/HMO); a plan that names none is filed as a PPO, the most common
employer plan type (KFF Employer Health Benefits Survey 2024: 47% of covered
workers in PPOs).
"""

from __future__ import annotations

SBR09_CODES = frozenset({"11", "12", "13", "14", "15", "16", "17", "AM", "BL", "CH", "CI", "DS", "FI", "HM",
                         "LM", "MA", "MB", "MC", "OF", "TV", "VA", "WC", "ZZ"})
CLP06_CODES = frozenset({"12", "13", "14", "15", "16", "17", "AM", "CH", "DS", "HM", "LM", "MA", "MB", "MC",
                         "OF", "TV", "VA", "WC", "ZZ"})

_SBR09 = {"medicare_advantage": "16", "dual": "16", "medicaid": "MC", "commercial": "CI", "exchange": "CI",
          "uninsured": "ZZ"}
_NETWORK = (("HMO", "HM"), ("EPO", "14"), ("POS", "13"), ("PPO", "12"))


def medicare_part(claim_type: str | None) -> str:
    """MA (Part A) for institutional claims, MB (Part B) for professional ones."""
    return "MA" if claim_type == "institutional" else "MB"


def sbr09(coverage_type: str | None, claim_type: str | None) -> str:
    """SBR09 of the 837 subscriber loop for the member's coverage and the claim's type."""
    if coverage_type == "medicare":
        return medicare_part(claim_type)
    return _SBR09.get(coverage_type or "", "ZZ")


def network_code(plan_name: str | None) -> str:
    name = (plan_name or "").upper()
    return next((code for word, code in _NETWORK if word in name.replace("-", " ").split()), "12")


def clp06(coverage_type: str | None, claim_type: str | None, plan_name: str | None = None) -> str:
    """CLP06 of the 835 claim payment for the payer's coverage and the claim's type."""
    if coverage_type == "medicare":
        return medicare_part(claim_type)
    if coverage_type in ("commercial", "exchange"):
        return network_code(plan_name)
    if coverage_type in ("medicare_advantage", "dual"):
        return "16"
    if coverage_type == "medicaid":
        return "MC"
    return "ZZ"
