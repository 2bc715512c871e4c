"""Unsubscribe links: a signed token in each alert email turns that saved search's email off
without logging in (the link may be opened anywhere, by anyone holding the email).

The token names the account and the saved search and is signed (HS256) with a key derived
from the server's JWT secret under its own label and audience, so it can never pass for a
login token, nor a login token for it. It does not expire: an old email's link still works.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from urllib.parse import urlencode

import jwt

from dreamjobsearch.errors import InvalidInputError

KEY_LABEL = b"dreamjobsearch/unsubscribe/v1"
AUDIENCE = "unsubscribe"
PATH = "/unsubscribe"
BAD_LINK = "this unsubscribe link is not valid: copy the whole link from the email"


@dataclass(frozen=True, slots=True)
class Unsubscription:
    """Whose saved search a link turns the email off for."""

    user_id: int
    search_id: int


class UnsubscribeLinks:
    """Makes and reads the signed unsubscribe links of alert emails."""

    def __init__(self, secret: str, public_url: str) -> None:
        self._key = hmac.new(secret.encode(), KEY_LABEL, hashlib.sha256).digest()
        self._public_url = public_url

    def token(self, user_id: int, search_id: int) -> str:
        """The signed token for one saved search of one account."""
        claims = {"sub": str(user_id), "ss": search_id, "aud": AUDIENCE}
        return jwt.encode(claims, self._key, algorithm="HS256")

    def url(self, user_id: int, search_id: int) -> str:
        """The absolute link to put in the email."""
        return f"{self._public_url}{PATH}?{urlencode({'token': self.token(user_id, search_id)})}"

    def read(self, token: str) -> Unsubscription:
        """What a token says; `InvalidInputError` when it was not made here or was altered."""
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=["HS256"],
                audience=AUDIENCE,
                options={"require": ["sub", "aud"]},
            )
            return Unsubscription(int(claims["sub"]), int(claims["ss"]))
        except (jwt.InvalidTokenError, KeyError, TypeError, ValueError) as error:
            raise InvalidInputError(BAD_LINK) from error
