"""RxMemberSim: NDC products, fills and pharmacy claims.

    ndc   NDC format checks and conversions; RxNorm order -> NDC product lookup
"""
