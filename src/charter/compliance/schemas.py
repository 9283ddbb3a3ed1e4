"""What the compliance report hands out: one result per promise of the policy.

The JSON form is ``{"passed": bool, "checks": [{"id", "title", "passed", "count",
"evidence"}]}``. ``evidence`` names rows by table and id, people by their pseudonymous
reference and values by ``category.field``: never a value (Art. 5(1)(f)).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

#: At most this many evidence lines per check; the rest is summed up in one more line.
MAX_EVIDENCE = 25


class CheckResult(BaseModel):
    """One check: whether the promise holds, how many things break it, and which."""

    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    passed: bool
    count: int = Field(description="How many rows, values or entries break the promise")
    evidence: list[str] = Field(description="What was checked, or what fails; no values")

    @classmethod
    def of(cls, check_id: str, title: str, problems: list[str], *, checked: str) -> CheckResult:
        """Passed when there are no ``problems``; ``checked`` says what was looked at."""
        evidence = problems[:MAX_EVIDENCE]
        if len(problems) > MAX_EVIDENCE:
            evidence.append(f"... and {len(problems) - MAX_EVIDENCE} more")
        return cls(
            id=check_id,
            title=title,
            passed=not problems,
            count=len(problems),
            evidence=evidence or [checked],
        )


class ComplianceReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    passed: bool
    checks: list[CheckResult]

    def failed(self) -> list[str]:
        return [check.id for check in self.checks if not check.passed]
