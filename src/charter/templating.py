"""The Jinja2 environment shared by every feature's pages (autoescaped HTML)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi.templating import Jinja2Templates

from charter.runtime import Runtime


def build_templates(runtime: Runtime) -> Jinja2Templates:
    directory = Path(str(resources.files("charter") / "templates"))
    templates = Jinja2Templates(directory=directory)
    templates.env.globals["organisation"] = runtime.policy.organisation
    templates.env.globals["policy_version"] = runtime.policy.version
    return templates
