"""Whatever text arrives, the language layer answers with a spec or one of our own errors.

Random unicode, and random mixtures of the request vocabulary with noise (the
inputs most likely to reach odd corners: numbers next to ages, percentages
with nothing beside them, negations of nothing), must never raise anything
but a HealthSimError, and every spec produced must be valid.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from healthsim.builders import parse_request, profile_builder
from healthsim.builders.request import RequestSpec
from healthsim.errors import HealthSimError

WORDS = [
    "200", "2k", "3 million", "a", "one", "seventy-five", "1,000", "0", "-5", "99999999999", "%", "30%",
    "Medicare", "Advantage", "MA", "Medicaid", "dual", "commercial", "exchange", "uninsured",
    "seniors", "kids", "adults", "teenagers", "over", "under", "aged", "65-year-old", "25-45", "40 to 60",
    "women", "men", "female", "Black", "Hispanic", "in", "Texas", "TX", "IN", "OR", "rural", "urban",
    "with", "without", "no", "non-", "and", "or", ",", "diabetes", "CHF", "COPD", "CKD", "stage", "3b",
    "cancer", "breast", "lung", "of", "the", "pregnant", "asthma", "diabetis", "first year", "surgery",
    "claims", "pharmacy", "FHIR", "837", "HL7", "SDTM", "csv", "seed", "7", "as of", "2024", "months",
    "quarterly", "visits", "called", "'x'", "healthy", "only", "xyzzy", "🙂", "\u0130", "\x00", "é",
]
phrases = st.lists(st.sampled_from(WORDS), min_size=0, max_size=14).map(" ".join)
noisy = st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=8)), max_size=10).map(" ".join)


def _parses_or_our_error(text: str) -> None:
    try:
        spec = parse_request(text)
    except HealthSimError:
        return
    assert isinstance(spec, RequestSpec)
    assert spec.profile.count >= 1


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_random_text_only_raises_our_own_errors(text):
    _parses_or_our_error(text)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(phrases)
def test_random_requests_from_the_vocabulary_only_raise_our_own_errors(text):
    _parses_or_our_error(text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(noisy)
def test_vocabulary_mixed_with_noise_only_raises_our_own_errors(text):
    _parses_or_our_error(text)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(phrases, st.text(max_size=40)), min_size=1, max_size=5))
def test_profile_builder_replies_only_raise_our_own_errors(replies):
    try:
        turn = profile_builder.start("200 Medicare diabetics")
        for message in replies:
            turn = profile_builder.reply(turn.state, message)
    except HealthSimError:
        return
    assert turn.phase in (1, 2, 3, 4)
    if turn.done:
        assert turn.spec is not None
