"""The labelled corpus: well-formed, big enough, and a regression floor on its scores.

The floors are the scores measured on the held-out split when it was first evaluated
(special categories: macro precision 1.00, recall 0.84; identifiers: 1.00 and 0.95)
minus a margin, so a change that makes screening worse fails here. The development split
was tuned on, so its floor is higher. See bench/evaluate_screening.py for the full table.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from charter.screening.evaluation import LabelledMessage, Report, evaluate, load_corpus
from charter.screening.schemas import PII_TYPES, SPECIAL_CATEGORIES

CORPUS = Path(__file__).parent / "corpus"
SPLITS = ("dev", "heldout")

#: split: (special precision, special recall, identifier precision, identifier recall)
FLOORS = {
    "dev": (0.95, 0.95, 0.95, 0.95),
    "heldout": (0.90, 0.75, 0.90, 0.85),
}


@pytest.fixture(scope="module")
def corpus() -> dict[str, list[LabelledMessage]]:
    return {split: load_corpus(CORPUS / f"{split}.jsonl") for split in SPLITS}


@pytest.fixture(scope="module")
def reports(corpus: dict[str, list[LabelledMessage]]) -> dict[str, Report]:
    return {split: evaluate(messages) for split, messages in corpus.items()}


def test_the_corpus_is_big_enough_and_mostly_tempting_negatives(
    corpus: dict[str, list[LabelledMessage]],
) -> None:
    messages = [message for split in SPLITS for message in corpus[split]]
    assert len(messages) >= 300
    negatives = [message for message in messages if not message.special]
    assert len(negatives) / len(messages) >= 0.40
    assert len({message.id for message in messages}) == len(messages)


@pytest.mark.parametrize("split", SPLITS)
def test_every_label_is_used_and_every_value_is_in_its_text(
    corpus: dict[str, list[LabelledMessage]], split: str
) -> None:
    messages = corpus[split]
    assert {c for m in messages for c in m.special} == set(SPECIAL_CATEGORIES)
    assert {kind for m in messages for kind, _ in m.pii} == set(PII_TYPES)
    for message in messages:
        for _, value in message.pii:
            assert value in message.text, message.id


@pytest.mark.parametrize("split", SPLITS)
def test_scores_stay_above_the_floor(reports: dict[str, Report], split: str) -> None:
    special_precision, special_recall, pii_precision, pii_recall = FLOORS[split]
    report = reports[split]
    precision, recall, _ = report.macro(report.special)
    assert precision >= special_precision
    assert recall >= special_recall
    precision, recall, _ = report.macro(report.pii)
    assert precision >= pii_precision
    assert recall >= pii_recall
    assert report.flagged.precision >= special_precision
