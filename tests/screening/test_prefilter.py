"""The anchor index only saves time: it must never change what screening finds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from charter.screening import special
from charter.screening.evaluation import load_corpus
from charter.screening.prefilter import AnchorIndex, cue_anchors, trie_pattern

CORPUS = Path(__file__).parent / "corpus"


@pytest.mark.parametrize(
    ("pattern", "anchors"),
    [
        (r"diabet(?:es|ic)", {"diabetes", "diabetic"}),
        (r"(?-i:BAME|BME)", {"bame", "bme"}),
        (r"\bheart (?:attack|condition)\b", {"heart attack", "heart condition"}),
        (r"colou?r[- ]blind", {"color blind", "color-blind", "colour blind", "colour-blind"}),
        (r"[0-9]+ days", {" days"}),
    ],
)
def test_anchors_are_the_literal_text_every_match_contains(pattern: str, anchors: set[str]) -> None:
    assert cue_anchors(pattern, re.IGNORECASE) == anchors


@pytest.mark.parametrize("pattern", [r"\w+", r"(?:abc)?", r"[a-z]{2,}"])
def test_a_pattern_without_required_text_has_no_anchors(pattern: str) -> None:
    assert cue_anchors(pattern) is None


def test_the_prefix_tree_matches_exactly_its_words() -> None:
    tree = re.compile("(?:" + trie_pattern(["he", "heart", "hear", "ill"]) + ")$")
    for word in ("he", "heart", "hear", "ill"):
        assert tree.match(word)
    for word in ("hea", "il", "hearts"):
        assert not tree.match(word)


def test_a_position_reports_the_cues_of_every_anchor_starting_there() -> None:
    index = AnchorIndex([frozenset({"he"}), frozenset({"heart"}), None])
    assert index.always == {2}
    assert list(index.hits("the heart")) == [(1, frozenset({0})), (4, frozenset({0, 1}))]


def test_every_cue_has_anchors_so_the_fast_path_is_in_use() -> None:
    assert special._INDEX.always == frozenset()


def test_the_fast_path_agrees_with_running_every_cue_on_the_corpus() -> None:
    for path in sorted(CORPUS.glob("*.jsonl")):
        for message in load_corpus(path):
            assert special.find_special(message.text) == special.find_special(
                message.text, exhaustive=True
            ), message.id
