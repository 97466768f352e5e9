"""Episodes: journeys executed over the member state.

A journey spec (spec/journey*.py, compiled by plan/journey.py) becomes, per
block, occurrences of its events (executor.py) for the members the state makes
eligible; products/patient turns occurrences into records. Episodes read the
member state and write to it only through its named writers.
"""
