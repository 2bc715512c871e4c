"""CSRF tokens for the pages: an HMAC of the session id under a key derived from the app secret.

Before login there is no session, so the login and register forms are bound instead to a
random pre-login cookie. Every process derives the same key from the JWT secret, so a token
issued by one API process is accepted by another.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections.abc import Callable

from starlette.requests import Request

FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
KEY_LABEL = b"dreamjobsearch/web/csrf/v1"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class CsrfError(Exception):
    """A state-changing request without the right CSRF token (403)."""


class CsrfSigner:
    """Issues and checks CSRF tokens bound to a scope (a session, or a pre-login cookie)."""

    def __init__(self, secret: Callable[[], str]) -> None:
        self._secret = secret
        self._key: bytes | None = None

    async def token(self, scope: str) -> str:
        """The token for `scope`; the same every time for the same scope."""
        key = await self._derived_key()
        return hmac.new(key, scope.encode(), hashlib.sha256).hexdigest()

    async def check(self, scope: str, presented: str | None) -> None:
        """Raise `CsrfError` unless `presented` is the token of `scope`."""
        if not presented or not hmac.compare_digest(presented, await self.token(scope)):
            raise CsrfError("missing or wrong CSRF token")

    async def _derived_key(self) -> bytes:
        if self._key is None:
            # The secret may be generated and written to DATA_DIR on first use: off the loop.
            secret = await asyncio.to_thread(self._secret)
            self._key = hmac.new(secret.encode(), KEY_LABEL, hashlib.sha256).digest()
        return self._key


def session_scope(sid: str) -> str:
    """The CSRF scope of a logged-in session."""
    return f"session:{sid}"


def prelogin_scope(cookie: str) -> str:
    """The CSRF scope of a visitor's pre-login cookie."""
    return f"prelogin:{cookie}"


async def presented_token(request: Request) -> str | None:
    """The token a request carries: the htmx header, else the form field."""
    header = request.headers.get(HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith(FORM_TYPES):
        return None
    value = (await request.form()).get(FIELD)
    return value if isinstance(value, str) else None
