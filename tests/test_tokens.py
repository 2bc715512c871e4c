"""Access tokens: verified claims are cached, but never in place of a check that matters.

The cache skips only the decode and the signature check of a token string seen before;
expiry is judged on every request, any other string (a tampered token) is verified in
full, and a revoked session is refused because its session is looked up every time.
"""

from __future__ import annotations

import httpx
import jwt
import pytest
from support import ManualClock, bearer, register

from dreamjobsearch.auth.tokens import TokenCodec
from dreamjobsearch.errors import NotAuthenticatedError

SECRET = "tokens-test-secret-" + "x" * 40


def test_a_cached_token_still_expires() -> None:
    clock = ManualClock()
    codec = TokenCodec(SECRET, ttl=60, clock=clock)
    token, claims = codec.issue(7, "sid-1", not_after=clock.now() + 3600)
    assert codec.verify(token) == claims
    assert codec.verify(token) == claims  # now from the cache
    clock.advance(61)
    with pytest.raises(NotAuthenticatedError, match="expired"):
        codec.verify(token)
    assert codec.cached == 0  # an expired token's claims are not kept


def test_a_tampered_copy_of_a_cached_token_is_refused() -> None:
    clock = ManualClock()
    codec = TokenCodec(SECRET, ttl=60, clock=clock)
    token, _claims = codec.issue(7, "sid-1", not_after=clock.now() + 3600)
    codec.verify(token)
    header, payload, signature = token.split(".")
    other = jwt.decode(token, SECRET, algorithms=["HS256"]) | {"sub": "8"}
    forged_payload = jwt.encode(other, "another-secret-" + "y" * 40).split(".")[1]
    for forged in (
        f"{header}.{forged_payload}.{signature}",  # someone else's id under this signature
        f"{header}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}",
        jwt.encode(other, "another-secret-" + "y" * 40),
    ):
        with pytest.raises(NotAuthenticatedError, match="invalid token"):
            codec.verify(forged)
    assert codec.verify(token).user_id == 7


def test_the_cache_is_bounded_and_evicted_tokens_still_verify() -> None:
    clock = ManualClock()
    codec = TokenCodec(SECRET, ttl=60, clock=clock, cache_size=3)
    issued = [codec.issue(n, f"sid-{n}", not_after=clock.now() + 3600) for n in range(10)]
    for token, claims in issued:
        assert codec.verify(token) == claims
    assert codec.cached == 3
    for token, claims in issued:  # evicted ones are verified again, in full
        assert codec.verify(token) == claims
    assert codec.cached == 3


async def test_a_token_used_before_is_refused_once_its_session_ends(
    client: httpx.AsyncClient,
) -> None:
    headers = bearer(await register(client, "cached@example.com"))
    for _ in range(3):
        assert (await client.get("/auth/status", headers=headers)).status_code == 200
    assert (await client.post("/logout", headers=headers)).status_code == 200
    refused = await client.get("/auth/status", headers=headers)
    assert refused.status_code == 401
    assert refused.json() == {"detail": "session ended: log in again"}
