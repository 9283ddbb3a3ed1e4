"""Measuring screening against a labelled corpus: is the policy's promise actually kept?

A screener that misses special-category data lets the firm collect what its policy says
it never collects (UK GDPR Art. 9, Art. 10); one that flags everything makes staff stop
reading its flags. So both are measured, per category and per identifier type:

* special categories: for each message, the set of categories found against the set
  labelled (a category counts once per message, wherever it is);
* identifiers: for each message, the set of (type, value) pairs found against the set
  labelled, so a phone number with the wrong extent is both a miss and a false alarm.

A corpus is JSON Lines: ``{"id", "text", "special": [...], "pii": [{"type", "value"}]}``;
``tests/screening/corpus/README.md`` says how messages are labelled.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path

from charter.screening.schemas import PII_TYPES, SPECIAL_CATEGORIES
from charter.screening.service import screen_text


@dataclass(frozen=True, slots=True)
class LabelledMessage:
    id: str
    text: str
    special: frozenset[str]
    pii: frozenset[tuple[str, str]]


@dataclass(slots=True)
class Counts:
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0

    @property
    def support(self) -> int:
        return self.true_positives + self.false_negatives

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        if not found:
            return 1.0 if not self.false_negatives else 0.0
        return self.true_positives / found

    @property
    def recall(self) -> float:
        return self.true_positives / self.support if self.support else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0

    def add(self, found: AbstractSet[object], labelled: Iterable[object]) -> None:
        expected = set(labelled)
        self.true_positives += len(found & expected)
        self.false_positives += len(found - expected)
        self.false_negatives += len(expected - found)


@dataclass(slots=True)
class Report:
    messages: int = 0
    characters: int = 0
    seconds: float = 0.0
    special: dict[str, Counts] = field(default_factory=dict)
    pii: dict[str, Counts] = field(default_factory=dict)
    flagged: Counts = field(default_factory=Counts)
    #: (message id, "missed"/"spurious", label) for every error, to read when tuning.
    errors: list[tuple[str, str, str]] = field(default_factory=list)

    def macro(self, table: dict[str, Counts]) -> tuple[float, float, float]:
        """Mean precision, recall and F1 over the labels that occur in the corpus."""
        present = [counts for counts in table.values() if counts.support]
        if not present:
            return 1.0, 1.0, 1.0
        size = len(present)
        return (
            sum(c.precision for c in present) / size,
            sum(c.recall for c in present) / size,
            sum(c.f1 for c in present) / size,
        )

    @property
    def messages_per_second(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0


def load_corpus(path: Path) -> list[LabelledMessage]:
    messages = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        record = json.loads(line)
        special = frozenset(record["special"])
        if not special <= set(SPECIAL_CATEGORIES):
            raise ValueError(f"{path.name} line {number}: unknown special category")
        pii = frozenset((item["type"], item["value"]) for item in record["pii"])
        if not {kind for kind, _ in pii} <= set(PII_TYPES):
            raise ValueError(f"{path.name} line {number}: unknown identifier type")
        messages.append(LabelledMessage(record["id"], record["text"], special, pii))
    return messages


def evaluate(messages: Sequence[LabelledMessage]) -> Report:
    report = Report(
        special={category: Counts() for category in SPECIAL_CATEGORIES},
        pii={kind: Counts() for kind in PII_TYPES},
    )
    started = time.perf_counter()
    screenings = [screen_text(message.text) for message in messages]
    report.seconds = time.perf_counter() - started
    for message, screening in zip(messages, screenings, strict=True):
        report.messages += 1
        report.characters += len(message.text)
        found_special = set(screening.categories)
        for category, counts in report.special.items():
            counts.add(found_special & {category}, message.special & {category})
        found_pii = {(f.type, f.value) for f in screening.pii}
        for kind, counts in report.pii.items():
            mine = {pair for pair in found_pii if pair[0] == kind}
            counts.add(mine, {pair for pair in message.pii if pair[0] == kind})
        report.flagged.add(
            {"flagged"} if screening.flagged else set(), {"flagged"} if message.special else ()
        )
        for label in sorted(message.special - found_special):
            report.errors.append((message.id, "missed", label))
        for label in sorted(found_special - message.special):
            report.errors.append((message.id, "spurious", label))
        for kind, value in sorted(message.pii - found_pii):
            report.errors.append((message.id, "missed", f"{kind}={value!r}"))
        for kind, value in sorted(found_pii - message.pii):
            report.errors.append((message.id, "spurious", f"{kind}={value!r}"))
    return report


def format_report(name: str, report: Report) -> str:
    lines = [
        f"== {name}: {report.messages} messages, {report.characters:,} characters, "
        f"{report.messages_per_second:,.0f} messages/s",
        f"{'label':<24}{'support':>8}{'P':>8}{'R':>8}{'F1':>8}{'TP':>6}{'FP':>6}{'FN':>6}",
    ]
    for title, table in (("special categories", report.special), ("identifiers", report.pii)):
        lines.append(f"-- {title}")
        for label, counts in table.items():
            lines.append(_row(label, counts))
        precision, recall, f1 = report.macro(table)
        lines.append(f"{'macro average':<24}{'':>8}{precision:>8.3f}{recall:>8.3f}{f1:>8.3f}")
    lines.append("-- any special category in the message")
    lines.append(_row("flagged", report.flagged))
    return "\n".join(lines)


def _row(label: str, counts: Counts) -> str:
    return (
        f"{label:<24}{counts.support:>8}{counts.precision:>8.3f}{counts.recall:>8.3f}"
        f"{counts.f1:>8.3f}{counts.true_positives:>6}{counts.false_positives:>6}"
        f"{counts.false_negatives:>6}"
    )
