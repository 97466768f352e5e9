"""PatientSim: the provider's EMR view of each journey.

    step                 PatientJourneyStep: the engine step (journeys -> tables, per block)
    records              encounters and what happens at them (diagnoses, procedures, referrals)
    clinical_rows        lab orders and results, vitals, medication orders
    finish               buffers -> Arrow tables with identifiers and sex/age code checks
    therapy_orders       the member state's chronic medications as prescriptions; stops on recorded results
"""
