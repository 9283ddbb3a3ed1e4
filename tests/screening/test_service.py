"""The public API: screen_text and redact_special, as every channel calls them."""

from __future__ import annotations

import pytest

from charter.errors import InvalidInput
from charter.screening.schemas import Screening, SpecialFinding
from charter.screening.service import (
    MAX_SCREENED_CHARS,
    UNSCREENED_MARKER,
    redact_special,
    screen_text,
)


def test_an_ordinary_message_is_not_flagged() -> None:
    screening = screen_text("Hi, the printer on the first floor keeps jamming. Thanks, Mark")
    assert not screening.flagged
    assert screening.categories == []
    assert not screening.truncated


def test_redaction_removes_the_passage_and_names_the_category() -> None:
    text = "Hi Tom, can we move the visit? My husband is diabetic and has a check-up. Thanks!"
    redacted = redact_special(text, screen_text(text))
    assert redacted == "Hi Tom, can we move the visit? [removed: health information] Thanks!"
    assert "diabetic" not in redacted


def test_redaction_names_every_category_of_a_passage_once() -> None:
    text = "I'm Jewish and I carry the BRCA1 mutation, like my sister."
    redacted = redact_special(text, screen_text(text))
    assert redacted == (
        "[removed: genetic data, health information, religious or philosophical beliefs]"
    )


def test_redaction_handles_several_passages() -> None:
    text = "I vote Green. The server is fine. He has a criminal record.\nCheers"
    redacted = redact_special(text, screen_text(text))
    assert redacted == (
        "[removed: political opinions] The server is fine. "
        "[removed: criminal offence information]\nCheers"
    )


def test_redaction_without_findings_returns_the_text() -> None:
    text = "The union of the two datasets has duplicates."
    assert redact_special(text, screen_text(text)) == text


def test_redaction_refuses_a_screening_of_another_text() -> None:
    screening = Screening(special=[SpecialFinding("health", 0, 500)], pii=[])
    with pytest.raises(InvalidInput):
        redact_special("short", screening)


def test_only_the_first_max_characters_are_screened() -> None:
    text = "x" * MAX_SCREENED_CHARS + " I'm diabetic. 0117 496 0321"
    screening = screen_text(text)
    assert screening.truncated
    assert screening.special == []
    assert screening.pii == []
    redacted = redact_special(text, screening)
    assert redacted.endswith(UNSCREENED_MARKER)
    assert "diabetic" not in redacted


def test_a_long_text_is_still_screened_up_to_the_bound() -> None:
    text = "x. " * 1000 + "My wife is pregnant."
    assert screen_text(text).categories == ["health"]
