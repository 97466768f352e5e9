"""Reference data shipped with the package, behind small typed, cached loaders.

    icd10       ICD-10-CM codes: lookup, normalize, suggest, search, descriptions
    code_rules  sex / age validity and default onset age per ICD-10-CM code prefix
    geography   states, counties, residential ZIPs (+ weights, urban flag), filters
    names       first names by sex, last names, street names and suffixes
    manifest    MANIFEST.json: source, licence, sha256 and rows of every data file

Each loader reads its file from `data/` once (functools.lru_cache) and returns
read-only numpy columns, so the engine samples with numpy and never loops per
row. Nothing here downloads anything; `tools/build_reference.py` builds the
files from PyPI packages at development time (docs/reference-data.md).
"""
