"""The compliance report as a standalone HTML page (``charter compliance report --format
html``), rendered from the same :class:`ComplianceReport` the JSON form serialises."""

from __future__ import annotations

from datetime import datetime

from charter.compliance.schemas import ComplianceReport
from charter.policy.render import template_environment
from charter.policy.schemas import Policy


def render_html(report: ComplianceReport, *, policy: Policy, generated_at: datetime) -> str:
    template = template_environment().get_template("compliance/report.html")
    return template.render(
        report=report,
        controller=policy.organisation.legal_name or policy.organisation.name,
        policy_version=policy.version,
        generated_at=f"{generated_at:%d %B %Y %H:%M} UTC",
    )
