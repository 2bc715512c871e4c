"""How a session token travels to the server: the API's `Authorization: Bearer` header, or
the pages' HttpOnly session cookie. A transport only reads the token; what the token means
(a live session, its user) is `http_common.caller`'s, the same whichever way it came.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

SESSION_COOKIE = "dreamjob_session"
# How the OpenAPI document (and /docs' "Authorize") names and describes the header.
BEARER_SCHEME_NAME = "HTTPBearer"
BEARER_DESCRIPTION = "the access_token from /login or /register"

bearer_scheme = HTTPBearer(
    auto_error=False, scheme_name=BEARER_SCHEME_NAME, description=BEARER_DESCRIPTION
)


async def bearer_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> str | None:
    """The token of the `Authorization: Bearer` header, if the request sends one."""
    return credentials.credentials if credentials is not None else None


BearerTokenDep = Annotated[str | None, Depends(bearer_token)]


def cookie_token(request: Request) -> str | None:
    """The token of the session cookie, if the request carries a non-empty one."""
    return request.cookies.get(SESSION_COOKIE) or None
