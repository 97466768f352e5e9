"""The place resolver: states first (multi-word too), counties, metro areas, cities, ZIPs."""

from __future__ import annotations

import pytest

from healthsim.errors import NotFoundError
from healthsim.reference.places import resolve_place


@pytest.mark.parametrize(("text", "kind", "name", "counties"), [
    ("Harris County, TX", "county", "Harris County, TX", ("48201",)),
    ("Harris County, Texas", "county", "Harris County, TX", ("48201",)),
    ("Cook County, IL", "county", "Cook County, IL", ("17031",)),
    ("San Diego County", "county", "San Diego County, CA", ("06073",)),
    ("Orleans Parish", "county", "Orleans Parish, LA", ("22071",)),
    ("St. Louis County, MO", "county", "St. Louis County, MO", ("29189",)),
    ("South Dakota", "state", "South Dakota", ()),
    ("North Dakota", "state", "North Dakota", ()),
    ("New Mexico", "state", "New Mexico", ()),
    ("West Virginia", "state", "West Virginia", ()),
    ("New York", "state", "New York", ()),
    ("TX", "state", "Texas", ()),
])
def test_named_places(text, kind, name, counties):
    place = resolve_place(text)
    assert (place.kind, place.name) == (kind, name)
    if counties:
        assert place.counties == counties
        assert place.geography() == {"counties": list(counties)}


def test_metros_cities_zips_and_ambiguity():
    houston = resolve_place("Houston metro")
    assert houston.kind == "metro" and "48201" in houston.counties and houston.states == ("TX",)
    assert resolve_place("Dallas-Fort Worth").counties == resolve_place("DFW").counties
    assert "17031" in resolve_place("the Chicago area").counties
    boston = resolve_place("Boston")
    assert boston.kind == "city" and boston.states == ("MA",) and boston.ambiguous and boston.zips
    assert not resolve_place("Boston, MA").ambiguous
    assert resolve_place("Springfield, IL").counties == ("17167",)
    harris = resolve_place("Harris County")
    assert harris.ambiguous and harris.counties == ("48201",) and "GA" in harris.note
    assert resolve_place("77030").kind == "zip"
    assert resolve_place("48201", "county").name == "Harris County, TX"
    assert resolve_place("United States").geography() == {}


def test_unknown_places_say_what_to_try():
    with pytest.raises(NotFoundError, match="did you mean 'Harris County, TX'"):
        resolve_place("Hariss County, TX")
    with pytest.raises(NotFoundError, match="try a state"):
        resolve_place("Atlantis")
