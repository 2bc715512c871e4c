"""`WebRoute`: page routes answer in HTML, errors included, always with the security headers.

FastAPI resolves dependencies inside the route handler, so wrapping the handler catches what
the dependencies raise too: no session (a redirect to /login), a bad CSRF token (403) and
domain errors (a page, or for htmx a message swapped into the page's alert region).
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi.exceptions import RequestValidationError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from dreamjobsearch.errors import DomainError, TooManyRequestsError, UnavailableError
from dreamjobsearch.http_common.error_status import status_of
from dreamjobsearch.http_common.transports import SESSION_COOKIE
from dreamjobsearch.http_common.valid_input import CheckedRoute, Handler, InvalidTextError
from dreamjobsearch.web.cookies import clear_session_cookie, set_session_cookie
from dreamjobsearch.web.csrf import CsrfError
from dreamjobsearch.web.headers import PAGE_HEADERS
from dreamjobsearch.web.templating import is_htmx, render
from dreamjobsearch.web.viewer import LoginRequired

LOGIN_PATH = "/login"
CSRF_MESSAGE = (
    "This form has expired or did not come from this site. Reload the page and try again."
)
INVALID_REQUEST = "That request was not valid: check the address or the form and try again."


class WebRoute(CheckedRoute):
    """A route of the web UI: HTML errors (invalid text's included), login redirects and
    security headers."""

    def get_route_handler(self) -> Handler:
        """The FastAPI handler, wrapped."""
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                response = await handler(request)
            except LoginRequired as required:
                response = login_redirect(request, required.stale_cookie)
            except CsrfError:
                response = error_response(request, 403, CSRF_MESSAGE)
            except DomainError as error:
                response = domain_error_response(request, error)
            except InvalidTextError as error:
                response = error_response(request, 422, error.message)
            except RequestValidationError:
                response = error_response(request, 400, INVALID_REQUEST)
            _keep_renewed_token(request, response)
            response.headers.update(PAGE_HEADERS)
            return response

        return handle


def _keep_renewed_token(request: Request, response: Response) -> None:
    """Set the cookie to the token the viewer was renewed with, unless this response sets
    or clears the session cookie itself (a login or a logout)."""
    renewed: tuple[str, int] | None = getattr(request.state, "renewed_token", None)
    if renewed is None:
        return
    if any(
        value.startswith(f"{SESSION_COOKIE}=") for value in response.headers.getlist("set-cookie")
    ):
        return
    token, max_age = renewed
    set_session_cookie(response, request, token, max_age)


def safe_next(target: str | None) -> str:
    """A same-site path to go to after login; anything else (another site) means home."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target


def login_redirect(request: Request, stale_cookie: bool) -> Response:
    """Send the visitor to the login page, then back here; htmx gets a full-page redirect
    and a script asking for JSON or an event stream a plain 401."""
    response: Response
    accept = request.headers.get("accept", "")
    if is_htmx(request):
        response = Response(status_code=401, headers={"HX-Redirect": LOGIN_PATH})
    elif "application/json" in accept or "text/event-stream" in accept:
        response = Response(status_code=401)
    else:
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        query = "" if request.method != "GET" or here == "/" else f"?{urlencode({'next': here})}"
        response = RedirectResponse(LOGIN_PATH + query, status_code=303)
    if stale_cookie:
        clear_session_cookie(response, request)
    return response


def error_response(
    request: Request, status_code: int, message: str, headers: dict[str, str] | None = None
) -> Response:
    """An error page; for htmx, the message swapped into the page's alert region."""
    if is_htmx(request):
        return render(
            request,
            "fragments/alert.html",
            {"message": message, "level": "error"},
            status_code=status_code,
            headers={**(headers or {}), "HX-Retarget": "#alerts", "HX-Reswap": "innerHTML"},
        )
    return render(
        request,
        "error.html",
        {"viewer": None, "csrf_token": None, "status_code": status_code, "message": message},
        status_code=status_code,
        headers=headers,
    )


def domain_error_response(request: Request, error: DomainError) -> Response:
    """The page for a domain error, with the API's status for that kind of error."""
    status_code = status_of(error)
    headers = {}
    if isinstance(error, TooManyRequestsError | UnavailableError) and error.retry_after is not None:
        headers["Retry-After"] = str(error.retry_after)
    return error_response(request, status_code, error.message, headers)
