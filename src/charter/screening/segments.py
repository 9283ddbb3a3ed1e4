"""Cutting a text into the passages that screening flags and redaction removes.

A special-category finding names the whole sentence that reveals it: that is the unit a
reader understands and the smallest one that reliably carries the fact (UK GDPR Art. 9).
Sentences end at ``.``, ``!``, ``?`` or ``;`` followed by a space, and at every line
break; a full stop after a title or a common abbreviation ("Dr.", "e.g.") does not end one.
"""

from __future__ import annotations

import re

_BOUNDARY = re.compile(r"[.!?;]+(?=[\s\"'’”)\]])|\n")
_ABBREVIATION = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Mx|Dr|St|Prof|Rev|Revd|Cllr|No|approx|e\.g|i\.e|vs|cf|Co|Ltd|Inc)"
    r"|\b[A-Z])$"
)
_SPACE = " \t\r\n\f\v"


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each non-blank sentence, trimmed of surrounding whitespace."""
    spans: list[tuple[int, int]] = []
    start = 0
    for boundary in _BOUNDARY.finditer(text):
        if boundary.group() == "." and _ABBREVIATION.search(
            text, max(0, boundary.start() - 5), boundary.start()
        ):
            continue
        _add(spans, text, start, boundary.end())
        start = boundary.end()
    _add(spans, text, start, len(text))
    return spans


def _add(spans: list[tuple[int, int]], text: str, start: int, end: int) -> None:
    while start < end and text[start] in _SPACE:
        start += 1
    while end > start and text[end - 1] in _SPACE:
        end -= 1
    if start < end:
        spans.append((start, end))
