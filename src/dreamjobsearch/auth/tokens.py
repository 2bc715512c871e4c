"""JWT access tokens bound to a session (HS256 only, every claim required)."""

from __future__ import annotations

import secrets
from collections import OrderedDict
from dataclasses import dataclass, field

import jwt

from dreamjobsearch.clock import Clock
from dreamjobsearch.errors import NotAuthenticatedError
from dreamjobsearch.sessions.strategies.base import SessionKey

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ("sub", "sid", "jti", "iat", "exp")
VERIFIED_CACHE_SIZE = 4096


@dataclass(frozen=True, slots=True)
class TokenClaims:
    """The claims we issue: user, session, token id, issued-at and expiry (epoch seconds)."""

    user_id: int
    sid: str
    jti: str
    issued_at: int
    expires_at: int
    # The claims that name the session, as the session layer takes them: made once per
    # token (verified tokens are cached), not on each of its requests.
    session_key: SessionKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        key = SessionKey(self.sid, self.user_id, self.issued_at, self.expires_at)
        object.__setattr__(self, "session_key", key)


class TokenCodec:
    """Issues and verifies access tokens; expiry is judged by our clock, not the OS's.

    Verifying a token means decoding it and checking its HMAC (PyJWT: a good share of an
    authenticated request's cost). The claims of a verified token are kept in a bounded LRU
    keyed by the exact token string, until the token expires, so the same token on later
    requests skips the decode and the signature check: any other string, a tampered one
    included, is not in the cache and is verified in full. Only the cryptography is cached:
    expiry is checked on every request, and the session behind the token by the caller
    (`AuthService.authenticate`), so a revoked session's token is refused as before.
    """

    def __init__(
        self, secret: str, ttl: int, clock: Clock, cache_size: int = VERIFIED_CACHE_SIZE
    ) -> None:
        self._secret = secret
        self._ttl = ttl
        self._clock = clock
        self._cache_size = cache_size
        self._verified: OrderedDict[str, TokenClaims] = OrderedDict()

    def issue(self, user_id: int, sid: str, not_after: float) -> tuple[str, TokenClaims]:
        """A signed token for the session, expiring at the TTL or `not_after`, if sooner."""
        now = int(self._clock.now())
        claims = TokenClaims(
            user_id=user_id,
            sid=sid,
            jti=secrets.token_urlsafe(16),
            issued_at=now,
            expires_at=min(now + self._ttl, int(not_after)),
        )
        payload = {
            "sub": str(user_id),
            "sid": sid,
            "jti": claims.jti,
            "iat": claims.issued_at,
            "exp": claims.expires_at,
        }
        return jwt.encode(payload, self._secret, algorithm=ALGORITHM), claims

    def verify(self, token: str) -> TokenClaims:
        """The claims of a valid token; raises `NotAuthenticatedError` otherwise."""
        claims = self._verified.get(token)
        if claims is None:
            claims = self._decode(token)
            self._verified[token] = claims
            if len(self._verified) > self._cache_size:
                self._verified.popitem(last=False)
        else:
            self._verified.move_to_end(token)
        if claims.expires_at <= self._clock.now():
            self._verified.pop(token, None)
            raise NotAuthenticatedError("token expired: log in again")
        return claims

    @property
    def cached(self) -> int:
        """How many verified tokens are held (for the memory bound's tests)."""
        return len(self._verified)

    def _decode(self, token: str) -> TokenClaims:
        try:
            payload = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                options={
                    "require": list(REQUIRED_CLAIMS),
                    "verify_exp": False,
                    "verify_iat": False,
                },
            )
            claims = TokenClaims(
                user_id=int(payload["sub"]),
                sid=str(payload["sid"]),
                jti=str(payload["jti"]),
                issued_at=int(payload["iat"]),
                expires_at=int(payload["exp"]),
            )
        except (jwt.PyJWTError, ValueError, TypeError) as error:
            raise NotAuthenticatedError("invalid token") from error
        return claims
