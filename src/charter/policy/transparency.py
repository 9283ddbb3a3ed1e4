"""Transparency checks: what the policy tells people (UK GDPR Art. 12-13, DPA 2018 s.164A).

These find gaps in the information people are given, so they are warnings: the policy can
still be enforced, but it does not yet tell people everything the law says it must.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from charter.policy.findings import Finding, warning
from charter.policy.schemas import LawfulBasis, Policy


def retention_is_stated(policy: Policy) -> Iterator[Finding]:
    """Art. 13(2)(a): people must be told the period, or if that is impossible the criteria
    used to set it; "as long as necessary" alone is neither."""
    for rule in policy.retention:
        if not rule.criteria.strip():
            yield warning(
                "retention-no-period", f"retention[{rule.id}].criteria", "State the criteria."
            )
        if not rule.has_period() and not rule.ends_by_event():
            yield warning(
                "retention-no-period",
                f"retention[{rule.id}]",
                f"No period runs from '{rule.trigger.value}': state how long (years, months "
                "or days) and why, or end it by an event (consent withdrawn, account closed).",
            )


def legitimate_interests_stated(policy: Policy) -> Iterator[Finding]:
    """Art. 13(1)(d): where processing relies on Art. 6(1)(f), the legitimate interests
    pursued must be stated."""
    for purpose in policy.purposes:
        if purpose.lawful_basis is LawfulBasis.LEGITIMATE_INTERESTS and not (
            purpose.legitimate_interest and purpose.legitimate_interest.strip()
        ):
            yield warning(
                "legitimate-interest-unstated",
                f"purposes[{purpose.id}].legitimate_interest",
                "State the legitimate interest this purpose relies on.",
            )


_ARTICLE = re.compile(r"^\s*art(?:icle|\.)?\s*(\d+)", re.IGNORECASE)


def _has_right(policy: Policy, right_id: str, article: str) -> bool:
    for right in policy.rights:
        match = _ARTICLE.match(right.article)
        if right.id == right_id or (match is not None and match.group(1) == article):
            return True
    return False


def rights_listed(policy: Policy) -> Iterator[Finding]:
    """Art. 13(2)(b) and (d): people must be told of their rights, including portability
    (Art. 20), objection (Art. 21) and complaining to the ICO (Art. 77)."""
    wanted = [
        ("no-portability", "portability", "20", "the right to data portability (Art. 20)"),
        ("no-objection", "object", "21", "the right to object (Art. 21)"),
        ("no-ico-complaint", "complain", "77", "the right to complain to the ICO (Art. 77)"),
    ]
    for rule, right_id, article, name in wanted:
        if not _has_right(policy, right_id, article):
            yield warning(rule, "rights", f"The policy does not mention {name}.")


def complaints_route(policy: Policy) -> Iterator[Finding]:
    """DPA 2018 s.164A (from 19 June 2026): controllers must facilitate complaints made to
    them, e.g. with a form that can be completed electronically, and say how."""
    if policy.complaints is None or not policy.complaints.route.strip():
        yield warning(
            "no-complaints-route",
            "complaints",
            "Say how people can complain to you (DPA 2018 s.164A).",
        )


def automated_decisions_stated(policy: Policy) -> Iterator[Finding]:
    """Art. 13(2)(f): say whether decisions are made by automated means alone (Art. 22),
    and if so the logic involved and the consequences."""
    if policy.automated_decisions is None:
        yield warning(
            "no-automated-decisions-statement",
            "automated_decisions",
            "Say whether you make decisions about people by automated means alone (Art. 22).",
        )


_OUTSIDE_EEA = re.compile(
    r"\boutside\s+(?:of\s+)?(?:the\s+)?(?:EEA|European\s+Economic\s+Area|Europe|EU|European\s+Union)\b",
    re.IGNORECASE,
)
_AGREE_BY_SUBMITTING = re.compile(
    r"\bby\s+(?:submitting|providing|giving)\b[^.]*?\byou\s+(?:agree|consent)\b", re.IGNORECASE
)
_NOT_INFORM = re.compile(
    r"\b(?:will\s+not|won't)\b[^.]*?\b(?:inform|notify|tell)\b[^.]*?\bchange", re.IGNORECASE
)

_TEXT_RULES: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (
        _OUTSIDE_EEA,
        "transfer-described-as-eea",
        "For a UK controller a restricted transfer is one outside the UK, not the EEA "
        "(UK GDPR Chapter V).",
    ),
    (
        _AGREE_BY_SUBMITTING,
        "transfer-by-submission",
        "Submitting data is not consent (Art. 4(11), Art. 7) and cannot make a transfer "
        "lawful (Art. 49(1)(a) needs explicit, informed consent): name the safeguard instead.",
    ),
    (
        _NOT_INFORM,
        "changes-not-notified",
        "Tell people about changes that affect them before they apply (Art. 12(1), 13(3)); "
        "do not rely on them checking the page.",
    ),
)


def _section_texts(policy: Policy) -> Iterator[tuple[str, str]]:
    for section in policy.sections:
        where = f"sections[{section.id}]"
        yield f"{where}.title", section.title
        yield from ((f"{where}.paragraphs[{i}]", p) for i, p in enumerate(section.paragraphs))
        yield from ((f"{where}.closing[{i}]", p) for i, p in enumerate(section.closing))


def section_wording(policy: Policy) -> Iterator[Finding]:
    """Art. 12(1) and Art. 13: the prose must not misstate the law to people. Flags
    EEA wording for a UK controller, "by submitting you agree" transfers, and "we will not
    inform you of changes"."""
    for location, text in _section_texts(policy):
        for pattern, rule, message in _TEXT_RULES:
            if pattern.search(text):
                yield warning(rule, location, message)
