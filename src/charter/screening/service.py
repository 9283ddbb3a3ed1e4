"""Screening free text: the one entry point every channel calls.

The contact form, the mail intake, the newsletter tool and the ``charter screen``
command all call :func:`screen_text` and, before anything is stored, :func:`redact_special`,
so the policy's promise that no special-category (UK GDPR Art. 9) or criminal-offence
(Art. 10) data is collected holds the same way everywhere.
"""

from __future__ import annotations

from charter.errors import InvalidInput
from charter.screening.identifiers import find_pii
from charter.screening.schemas import CATEGORY_LABELS, Screening, SpecialCategory
from charter.screening.special import find_special

#: Only this many characters of a text are screened, a bound on the work one call can
#: cause (a contact message is a few hundred). The rest is reported as ``truncated``.
MAX_SCREENED_CHARS = 100_000

UNSCREENED_MARKER = "[removed: text too long to screen]"


def screen_text(text: str) -> Screening:
    """The special-category passages and the identifiers in ``text``.

    Pure and stateless: nothing is logged or kept, so screening a message is not itself
    a new copy of what it contains.
    """
    screened = text[:MAX_SCREENED_CHARS]
    return Screening(
        special=find_special(screened),
        pii=find_pii(screened),
        truncated=len(text) > MAX_SCREENED_CHARS,
    )


def redact_special(text: str, screening: Screening) -> str:
    """``text`` with every flagged passage replaced by a marker naming its categories.

    Overlapping or repeated passages become one marker ("[removed: health information,
    religious or philosophical beliefs]"). What was removed is returned nowhere, so the
    caller cannot keep it by accident (Art. 9(1), Art. 5(1)(c) minimisation). Text past
    :data:`MAX_SCREENED_CHARS` was never screened and is dropped too. ``screening``
    must come from ``screen_text(text)``; a passage outside the text is refused.
    """
    if any(f.start < 0 or f.end > len(text) or f.start >= f.end for f in screening.special):
        raise InvalidInput("The screening does not belong to this text.")
    merged: list[tuple[int, int, list[SpecialCategory]]] = []
    for finding in sorted(screening.special, key=lambda f: (f.start, f.end)):
        if merged and finding.start < merged[-1][1]:
            start, end, categories = merged[-1]
            if finding.category not in categories:
                categories.append(finding.category)
            merged[-1] = (start, max(end, finding.end), categories)
        else:
            merged.append((finding.start, finding.end, [finding.category]))
    pieces: list[str] = []
    last = 0
    for start, end, categories in merged:
        labels = ", ".join(CATEGORY_LABELS[category] for category in sorted(categories))
        pieces += (text[last:start], f"[removed: {labels}]")
        last = end
    kept = text[last:]
    if screening.truncated and len(text) > MAX_SCREENED_CHARS:
        kept = text[last:MAX_SCREENED_CHARS] + " " + UNSCREENED_MARKER
    pieces.append(kept)
    return "".join(pieces)
