"""NCPDP SCRIPT NewRx links to the D.0 billing of its first fill: the B1 request named in
newrx_claims.csv carries the same prescription reference number and NDC."""

from __future__ import annotations

import csv

from tests.formats.validators import ncpdp_segments


def test_every_newrx_link_resolves_to_its_b1_request(exported):
    script, d0 = exported("ncpdp-script"), exported("ncpdp")
    b1: dict[str, dict[str, str]] = {}
    for path in d0.glob("b1-requests-*.ncpdp"):
        for line in path.read_text().split("\n"):
            if line:
                _, segments = ncpdp_segments(line)
                claim = dict(segments)["AM07"]
                b1[(path.name, claim["D2"])] = claim
    links = list(csv.DictReader((script / "newrx_claims.csv").open()))
    assert links
    for row in links:
        claim = b1[(row["b1_file"], row["rx_reference_number"])]
        assert claim["D7"] == row["ndc"] and claim["D3"] == "0"
