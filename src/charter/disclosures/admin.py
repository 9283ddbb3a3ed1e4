"""Staff console pages of the disclosures feature."""

from __future__ import annotations

from fastapi import APIRouter

from charter.staff.routes import ConsoleRoute

router = APIRouter(tags=["staff console"], route_class=ConsoleRoute)
