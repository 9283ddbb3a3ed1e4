"""Screening never fails and never points outside the text, whatever the text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from charter.screening.service import redact_special, screen_text

#: Fragments that steer random text towards the interesting paths of every detector.
FRAGMENTS = st.sampled_from(
    [
        "I'm ",
        "my wife is ",
        "diabetic",
        "Sarah ",
        "Thanks,\n",
        "Hi ",
        "Mr ",
        "0117 496 0321",
        "+44 ",
        "4111 1111 1111 1111",
        "GB29 NWBK 6016 1331 9268 19",
        "20-00-00 ",
        "12345678",
        "AB 12 34 56 C",
        "192.168.",
        "::",
        "fe80:",
        "@example.com",
        "DOB ",
        "14/03/1982",
        "BS1 6EN",
        "14 Mill Lane",
        ". ",
        "\n",
        "’",
        "İ",
        "(",
    ]
)
TEXTS = st.lists(st.one_of(st.text(max_size=20), FRAGMENTS), max_size=40).map("".join)


@settings(max_examples=200, deadline=None)
@given(TEXTS)
def test_screen_text_never_raises_and_spans_are_in_bounds(text: str) -> None:
    screening = screen_text(text)
    for finding in screening.special:
        assert 0 <= finding.start < finding.end <= len(text)
    for pii in screening.pii:
        assert 0 <= pii.start < pii.end <= len(text)
        assert text[pii.start : pii.end] == pii.value
    redacted = redact_special(text, screening)
    assert isinstance(redacted, str)


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_arbitrary_unicode_never_raises(text: str) -> None:
    screening = screen_text(text)
    assert all(0 <= f.start < f.end <= len(text) for f in [*screening.special, *screening.pii])
