"""The viewer's hidden companies: blocked by name, their postings leave rankings and exports."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form
from starlette.responses import RedirectResponse, Response

from dreamjobsearch.domain.tracking import MAX_COMPANY_LENGTH
from dreamjobsearch.errors import InvalidInputError
from dreamjobsearch.web.routing import WebRoute, safe_next
from dreamjobsearch.web.viewer import VerifiedViewerDep

router = APIRouter(route_class=WebRoute, include_in_schema=False)

# Bounded here only against abuse: the domain collapses spaces and explains its own limit.
Company = Annotated[str, Form(max_length=4 * MAX_COMPANY_LENGTH)]
Back = Annotated[str, Form(max_length=6000)]


# Both answer with a redirect back to the page, for htmx too: it follows it and swaps in the
# part of the page that changed (the results without that company, the list of hidden ones).


@router.post("/web/blocked-companies")
async def hide_company(
    viewer: VerifiedViewerDep,
    company: Company,
    back: Back = "/results",
    at: Annotated[int | None, Form(ge=0, le=100_000)] = None,
) -> Response:
    """Hide a company: its postings leave the viewer's rankings and exports. Hidden from a
    result row (`at`, the row's place on its page), the page comes back with an undo
    notice where that row was."""
    if not company.strip():
        raise InvalidInputError("give the name of the company to hide")
    await viewer.workspace.block_company(company)
    target = safe_next(back)
    if at is not None:
        joiner = "&" if "?" in target else "?"
        target = f"{target}{joiner}{urlencode({'hidden': company, 'at': at})}"
    return RedirectResponse(target, status_code=303)


@router.post("/web/blocked-companies/unhide")
async def unhide_company(
    viewer: VerifiedViewerDep, company: Company, back: Back = "/results"
) -> Response:
    """Show a hidden company's postings again (404 when it is not hidden)."""
    await viewer.workspace.unblock_company(company)
    return RedirectResponse(safe_next(back), status_code=303)
