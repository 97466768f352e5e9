"""NetworkSim: the providers, facilities and pharmacies members see.

    pool         build_network: sized, located pools (numpy columns)
    identifiers  NPI (Luhn/80840), CCN, NCPDP ID: make and check
    nearest      vectorised k-nearest by great-circle distance
    lookup       attribute_pcps, pick_providers, pick_facilities, pick_pharmacies, pick_at_facility
    tables       the canonical providers / facilities / pharmacies tables
    step         NetworkStep: the engine step (static network + pcp_attributions per block)
"""
