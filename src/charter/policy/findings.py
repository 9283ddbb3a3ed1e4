"""A checker finding: how serious, where in the policy file, and what is wrong.

An *error* means the system could not enforce the policy as written, or the policy
promises something unlawful. A *warning* is a gap in what people are told that a person
should fix; the policy still runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Level(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    """One problem; ``location`` reads like ``purposes[marketing].categories[2]`` and
    ``rule`` names the check that found it."""

    level: Level
    location: str
    message: str
    rule: str


def error(rule: str, location: str, message: str) -> Finding:
    return Finding(Level.ERROR, location, message, rule)


def warning(rule: str, location: str, message: str) -> Finding:
    return Finding(Level.WARNING, location, message, rule)
