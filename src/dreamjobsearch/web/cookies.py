"""The pages' cookies: the session (the same JWT the API issues; `http_common.transports`
reads it) and the pre-login CSRF seed.

Both are HttpOnly (scripts never read them), SameSite=Lax (other sites' forms do not carry
them), Path=/ and Secure whenever the request came over HTTPS.
"""

from __future__ import annotations

import secrets

from starlette.requests import Request
from starlette.responses import Response

from dreamjobsearch.http_common.transports import SESSION_COOKIE

PRELOGIN_COOKIE = "dreamjob_prelogin"
PRELOGIN_MAX_AGE = 24 * 3600


def is_https(request: Request) -> bool:
    """Whether the request came over HTTPS (then cookies are marked Secure)."""
    return request.url.scheme == "https"


def _set(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        secure=is_https(request),
        samesite="lax",
    )


def set_session_cookie(response: Response, request: Request, token: str, max_age: int) -> None:
    """Keep the session's token for `max_age` seconds (when the token expires)."""
    _set(response, request, SESSION_COOKIE, token, max(max_age, 0))


def clear_session_cookie(response: Response, request: Request) -> None:
    """Forget the session's token."""
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, secure=is_https(request), samesite="lax"
    )


def prelogin_seed(request: Request) -> tuple[str, bool]:
    """The visitor's pre-login seed and whether it is new (then it must be set)."""
    existing = request.cookies.get(PRELOGIN_COOKIE)
    if existing:
        return existing, False
    return secrets.token_urlsafe(32), True


def set_prelogin_cookie(response: Response, request: Request, seed: str) -> None:
    """Keep the pre-login seed the login and register forms' CSRF tokens are bound to."""
    _set(response, request, PRELOGIN_COOKIE, seed, PRELOGIN_MAX_AGE)
