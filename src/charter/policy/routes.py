"""Public pages of the policy: the version in force, every past version, and what changed.

Art. 13 requires the information at the time data is collected, and Art. 7(1) that
consent can be demonstrated; keeping every version readable lets anyone see exactly what
they were told when they gave their data or their consent. Routes only read the runtime
and render; the document is built by ``document.build_document``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from charter.errors import NotFound
from charter.policy.document import build_document, date_label
from charter.policy.schemas import Policy

router = APIRouter(tags=["policy"])


@dataclass(frozen=True)
class VersionSummary:
    """One line of the changes page: a version, when it came into force, what changed."""

    version: str
    effective_date: date
    summary: str
    changes: tuple[str, ...]
    is_current: bool

    @property
    def effective_label(self) -> str:
        return date_label(self.effective_date)


def _current(request: Request) -> Policy:
    policy: Policy = request.app.state.runtime.policy
    return policy


def _history(request: Request) -> list[Policy]:
    history: list[Policy] = request.app.state.runtime.policy_history
    return history


def _templates(request: Request) -> Jinja2Templates:
    templates: Jinja2Templates = request.app.state.templates
    return templates


@router.get("/privacy", response_class=HTMLResponse, name="policy_privacy")
def privacy(request: Request) -> HTMLResponse:
    """The policy in force, rendered from the file the system enforces."""
    document = build_document(_current(request))
    return _templates(request).TemplateResponse(
        request, "policy/privacy.html", {"document": document}
    )


@router.get("/privacy/changes", response_class=HTMLResponse, name="policy_changes")
def changes(request: Request) -> HTMLResponse:
    """Every version, newest first, with its change-log entry and a link to read it."""
    current = _current(request)
    versions = [
        _summary(policy, is_current=policy.version == current.version)
        for policy in reversed(_history(request))
    ]
    return _templates(request).TemplateResponse(
        request, "policy/changes.html", {"versions": versions}
    )


@router.get("/privacy/versions/{version}", response_class=HTMLResponse, name="policy_version")
def version_page(request: Request, version: str) -> HTMLResponse:
    """One version as it was published; 404 for a version that never existed."""
    history = _history(request)
    index = next((i for i, p in enumerate(history) if p.version == version), None)
    if index is None:
        raise NotFound("There is no such version of the privacy policy.")
    policy = history[index]
    successor = history[index + 1] if index + 1 < len(history) else None
    superseded_on = successor.effective_date if successor else None
    context = {
        "document": build_document(policy),
        "is_current": policy.version == _current(request).version,
        "superseded_on": superseded_on,
        "superseded_label": date_label(superseded_on) if superseded_on else "",
    }
    return _templates(request).TemplateResponse(request, "policy/version.html", context)


def _summary(policy: Policy, *, is_current: bool) -> VersionSummary:
    entry = policy.change_entry()
    return VersionSummary(
        version=policy.version,
        effective_date=policy.effective_date,
        summary=entry.summary if entry else "",
        changes=tuple(entry.changes) if entry else (),
        is_current=is_current,
    )
