"""C-CDA CCDs: the structural check passes on every exported document and rejects
broken ones (missing section, wrong template version, a date after as_of, bad XML)."""

from __future__ import annotations

from datetime import date

import pytest

from healthsim.formats.ccda.check import check_document


@pytest.fixture(scope="module")
def one_ccd(exported) -> bytes:
    return next(exported("ccda").glob("ccda/*/*.xml")).read_bytes()


def test_exported_ccd_passes(one_ccd):
    assert check_document(one_ccd, date(2025, 12, 31)) == []


@pytest.mark.parametrize("change, message", [
    (lambda x: x.replace(b'root="2.16.840.1.113883.10.20.22.2.5.1"', b'root="1.2.3"'), "Problems"),
    (lambda x: x.replace(b'extension="2015-08-01"/><templateId root="2.16.840.1.113883.10.20.22.1.2"',
                         b'extension="2014-06-09"/><templateId root="2.16.840.1.113883.10.20.22.1.2"'), "US Realm"),
    (lambda x: x.replace(b"<birthTime value=\"", b"<birthTime value=\"2099"), "birthTime"),
    (lambda x: x.replace(b"</ClinicalDocument>", b""), "well-formed"),
    (lambda x: x.replace(b'root="2.16.840.1.113883.10.20.22.4.4" extension="2015-08-01"', b'root="x" extension="y"'),
     "nested template"),
])
def test_broken_ccd_is_rejected(one_ccd, change, message):
    problems = check_document(change(one_ccd), date(2025, 12, 31))
    assert problems and any(message in p or "timestamp" in p or "not well-formed" in p for p in problems), problems
