"""Register, log in and log out with forms; the session lives in an HttpOnly cookie."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from starlette.background import BackgroundTask
from starlette.responses import RedirectResponse, Response

from dreamjobsearch.auth.emails import InvalidEmailError, normalise_email
from dreamjobsearch.auth.service import IssuedToken
from dreamjobsearch.errors import (
    ConflictError,
    DomainError,
    InvalidValueError,
    NotAuthenticatedError,
    TooManyRequestsError,
    UnavailableError,
)
from dreamjobsearch.http_common.deps import ServicesDep
from dreamjobsearch.services import Services
from dreamjobsearch.sessions.devices import describe_device
from dreamjobsearch.web.cookies import (
    PRELOGIN_COOKIE,
    clear_session_cookie,
    prelogin_seed,
    set_prelogin_cookie,
    set_session_cookie,
)
from dreamjobsearch.web.csrf import CsrfError, prelogin_scope, presented_token
from dreamjobsearch.web.routing import WebRoute, safe_next
from dreamjobsearch.web.templating import render
from dreamjobsearch.web.viewer import CsrfDep, VerifiedViewerDep, Viewer, optional_viewer

router = APIRouter(route_class=WebRoute, include_in_schema=False)

MIN_PASSWORD = 8
MAX_PASSWORD = 1024
BAD_EMAIL = "Enter a valid email address, like ada@example.com."
BAD_CREDENTIALS = "Incorrect email or password."

# A refused sign-up answers with the status the API would give for the same refusal.
FORM_ERRORS: tuple[tuple[type[DomainError], int], ...] = (
    (ConflictError, 409),
    (InvalidValueError, 422),
)

Text = Annotated[str, Form(max_length=MAX_PASSWORD)]
OptionalViewer = Annotated[Viewer | None, Depends(optional_viewer)]


async def _auth_page(
    request: Request,
    csrf: CsrfDep,
    template: str,
    *,
    email: str = "",
    error: str | None = None,
    next_path: str = "/",
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    seed, new = prelogin_seed(request)
    response = render(
        request,
        template,
        {
            "viewer": None,
            "csrf_token": await csrf.token(prelogin_scope(seed)),
            "email": email,
            "error": error,
            "next": next_path,
        },
        status_code=status_code,
        headers=headers,
    )
    if new:
        set_prelogin_cookie(response, request, seed)
    return response


async def _check_prelogin(request: Request, csrf: CsrfDep) -> None:
    seed = request.cookies.get(PRELOGIN_COOKIE)
    if not seed:
        raise CsrfError("no pre-login cookie: cookies are needed to log in")
    await csrf.check(prelogin_scope(seed), await presented_token(request))


def sentence(message: str) -> str:
    """A domain message as a sentence: capitalised, with a full stop."""
    text = message.strip().rstrip(".")
    return f"{text[:1].upper()}{text[1:]}." if text else ""


def _busy(error: TooManyRequestsError | UnavailableError) -> tuple[int, dict[str, str] | None]:
    """The status of a refusal for load (429 for this client, 503 for everyone) and when to
    try again."""
    status_code = 503 if isinstance(error, UnavailableError) else 429
    retry = {"Retry-After": str(error.retry_after)} if error.retry_after else None
    return status_code, retry


def _valid_email(email: str) -> str | None:
    """The address as every path reads it (`normalise_email`), or None when it is invalid."""
    try:
        return normalise_email(email)
    except InvalidEmailError:
        return None


def _logged_in(
    request: Request, services: Services, issued: IssuedToken, next_path: str
) -> Response:
    # The page it goes to ranks first: the index is prepared once the redirect is sent.
    warm_up = BackgroundTask(services.warm_up, issued.claims.user_id)
    response = RedirectResponse(safe_next(next_path), status_code=303, background=warm_up)
    max_age = int(issued.claims.expires_at - services.clock.now())
    set_session_cookie(response, request, issued.access_token, max_age)
    return response


@router.get("/login")
async def login_page(
    request: Request,
    csrf: CsrfDep,
    viewer: OptionalViewer,
    next: Annotated[str, Query(max_length=2000)] = "/",
) -> Response:
    """The login form (already logged in: straight on)."""
    if viewer is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return await _auth_page(request, csrf, "login.html", next_path=safe_next(next))


@router.post("/web/login", dependencies=[Depends(_check_prelogin)])
async def login(
    request: Request,
    services: ServicesDep,
    csrf: CsrfDep,
    email: Text = "",
    password: Text = "",
    next: Text = "/",
) -> Response:
    """Log in: a new session whose token goes into the session cookie."""

    async def again(
        error: str, status_code: int, headers: dict[str, str] | None = None
    ) -> Response:
        return await _auth_page(
            request,
            csrf,
            "login.html",
            email=email,
            error=error,
            next_path=safe_next(next),
            status_code=status_code,
            headers=headers,
        )

    address = _valid_email(email)
    if address is None or not password:
        return await again(BAD_EMAIL, 400)
    client = request.client.host if request.client else "unknown"
    try:
        device = describe_device(request.headers.get("user-agent"))
        issued = await services.auth.login(address, password, client, device)
    except NotAuthenticatedError:
        return await again(BAD_CREDENTIALS, 401)
    except (TooManyRequestsError, UnavailableError) as error:
        return await again(sentence(error.message), *_busy(error))
    return _logged_in(request, services, issued, next)


@router.get("/register")
async def register_page(request: Request, csrf: CsrfDep, viewer: OptionalViewer) -> Response:
    """The sign-up form."""
    if viewer is not None:
        return RedirectResponse("/", status_code=303)
    return await _auth_page(request, csrf, "register.html")


@router.post("/web/register", dependencies=[Depends(_check_prelogin)])
async def register(
    request: Request,
    services: ServicesDep,
    csrf: CsrfDep,
    email: Text = "",
    password: Text = "",
) -> Response:
    """Create an account and log it in."""
    problem = None
    address = _valid_email(email)
    if address is None:
        problem = BAD_EMAIL
    elif len(password) < MIN_PASSWORD:
        problem = f"Choose a password of at least {MIN_PASSWORD} characters."
    if address is None or problem is not None:
        return await _auth_page(
            request, csrf, "register.html", email=email, error=problem, status_code=400
        )
    client = request.client.host if request.client else "unknown"
    try:
        device = describe_device(request.headers.get("user-agent"))
        issued = await services.auth.register(address, password, client, device)
    except (ConflictError, InvalidValueError, TooManyRequestsError, UnavailableError) as error:
        if isinstance(error, TooManyRequestsError | UnavailableError):
            status_code, headers = _busy(error)
        else:
            status_code = next(code for kind, code in FORM_ERRORS if isinstance(error, kind))
            headers = None
        return await _auth_page(
            request,
            csrf,
            "register.html",
            email=email,
            error=sentence(error.message),
            status_code=status_code,
            headers=headers,
        )
    # A new account starts with the guide (import or samples, a saved search, keywords).
    return _logged_in(request, services, issued, "/welcome")


@router.post("/web/logout")
async def logout(request: Request, viewer: VerifiedViewerDep, services: ServicesDep) -> Response:
    """End this session (its token is refused everywhere from now on) and forget the cookie."""
    await services.auth.logout(viewer.sid)
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(response, request)
    return response
