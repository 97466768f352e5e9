"""define.xml parses with lxml and agrees with the XPT files; the conformance check notices when it does not."""

from __future__ import annotations

import shutil

from lxml import etree

from healthsim import api
from healthsim.formats.sdtm.variables import DOMAINS

NS = {"odm": "http://www.cdisc.org/ns/odm/v1.3", "def": "http://www.cdisc.org/ns/def/v2.1"}


def test_define_is_well_formed_and_lists_every_dataset(trials):
    doc = etree.parse(str(trials["t2d"]["sdtm"] / "define.xml")).getroot()
    names = doc.xpath("//odm:ItemGroupDef/@Name", namespaces=NS)
    files = sorted(p.stem.upper() for p in trials["t2d"]["sdtm"].glob("*.xpt"))
    assert sorted(names) == files and set(DOMAINS) - set(files) == {"TU", "TR", "RS"}  # no tumour scans in t2d
    oids = set(doc.xpath("//odm:ItemDef/@OID", namespaces=NS))
    assert set(doc.xpath("//odm:ItemRef/@ItemOID", namespaces=NS)) <= oids
    assert api.validate_sdtm(trials["t2d"]["sdtm"]).ok


def test_a_define_that_disagrees_with_the_files_is_an_error(trials, tmp_path):
    folder = tmp_path / "sdtm"
    shutil.copytree(trials["t2d"]["sdtm"], folder)
    text = (folder / "define.xml").read_text(encoding="utf-8")
    start = text.index('<ItemDef OID="IT.AE.AETERM"')
    length = text.index('Length="', start)
    end = text.index('"', length + 8)
    text = text[:length] + 'Length="199' + text[end:]
    text = text.replace('SASDatasetName="CM"', 'SASDatasetName="CM" Comment="x"').replace(
        'xlink:href="cm.xpt"', 'xlink:href="cm2.xpt"')
    (folder / "define.xml").write_text(text, encoding="utf-8")
    rules = {(f.rule, f.domain) for f in api.validate_sdtm(folder).errors}
    assert ("DF0004", "AE") in rules and ("DF0002", "CM") in rules
    (folder / "define.xml").write_text(text[:-40], encoding="utf-8")
    assert {f.rule for f in api.validate_sdtm(folder).errors} == {"DF0001"}
