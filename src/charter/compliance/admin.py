"""Staff console pages of the compliance feature (privacy officer and admin).

``/admin/compliance`` runs the report on the live data (the run is audited) and shows
each check with its evidence; ``/admin/compliance/ropa`` and ``ropa.csv`` give the
record of processing (Art. 30). No page shows personal data.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from charter.compliance import ropa, service
from charter.staff.routes import ConsoleRoute, Officer
from charter.templating import page

router = APIRouter(tags=["staff console"], route_class=ConsoleRoute)


@router.get("/admin/compliance")
def compliance_page(request: Request, staff: Officer) -> Response:
    with request.app.state.runtime.unit() as work:
        report = service.run_report(work, actor=staff.actor)
    return page(request, "compliance/page.html", {"staff": staff, "report": report})


@router.get("/admin/compliance/ropa")
def ropa_page(request: Request, staff: Officer) -> Response:  # noqa: ARG001 - the guard
    runtime = request.app.state.runtime
    with runtime.unit(write=False) as work:
        rows = ropa.record_of_processing(work)
    return HTMLResponse(ropa.ropa_html(rows, policy=runtime.policy))


@router.get("/admin/compliance/ropa.csv")
def ropa_csv(request: Request, staff: Officer) -> Response:  # noqa: ARG001 - the guard
    with request.app.state.runtime.unit(write=False) as work:
        rows = ropa.record_of_processing(work)
    return Response(
        ropa.ropa_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="record-of-processing.csv"'},
    )
