"""Polite, robust HTTP for sources: one shared client, per-host pacing, retries, circuits.

- One `httpx.AsyncClient` per process (connection reuse), with a clear User-Agent, 15 s
  timeouts and an optional proxy.
- Per host: a token bucket of one token (requests start at least `interval` seconds apart,
  plus random jitter) and a cap on requests in flight.
- Retries of network errors, 429 and 5xx with exponential backoff and jitter, honouring
  `Retry-After`.
- Redirects are followed by hand, a few at most, and only within the board's own host
  (`redirects.py`): a board cannot send our server to another site or an internal address.
- Per run (`RunHttp`): answers a host uses to say "you are blocked" (LinkedIn's 429 and
  999) are counted; after `block_threshold` in a row that host's circuit opens and every later
  request of the run to it fails at once with `HostBlockedError`.
"""

from __future__ import annotations

import asyncio
import email.utils
import errno
import logging
import random
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from dreamjobsearch.errors import DomainError
from dreamjobsearch.sources.redirects import MAX_REDIRECTS, REDIRECT_STATUSES, refused_redirect

logger = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]


class FetchError(DomainError):
    """A request failed for good: retries ran out, or the answer is not worth retrying.

    `message` says in plain words what the board did, as a phrase to follow its name
    ("answered with an error 404"), because users read it; `str(error)` is the technical
    account (address, exception, errno), which goes to the server log only.
    """

    def __init__(self, message: str, status: int | None = None, detail: str = "") -> None:
        super().__init__(message)
        self.args = (detail or message,)
        self.status = status


class UnreachableError(FetchError):
    """No answer at all: the host could not be looked up or connected to, or the
    connection broke off."""


class TimedOutError(FetchError):
    """The host took longer than our timeout to answer."""


class HostBlockedError(FetchError):
    """The host keeps refusing us (its circuit is open for the rest of the run)."""

    def __init__(self, host: str, status: int | None = None) -> None:
        super().__init__(
            "refused us (blocked): it is limiting our requests",
            status=status,
            detail=f"{host} is blocking our requests",
        )


class MalformedResponseError(FetchError):
    """The answer arrived but is not what the board's format promises; the argument is
    the technical account of what is wrong with it."""

    def __init__(self, detail: str) -> None:
        super().__init__("sent a page that was not what we expected", detail=detail)


class RedirectRefusedError(FetchError):
    """The board redirected where a fetcher must not go (see `redirects.py`)."""

    def __init__(self, detail: str, status: int) -> None:
        super().__init__(
            "sent us to another address, which we do not follow", status=status, detail=detail
        )


@dataclass(frozen=True, slots=True)
class HostPolicy:
    """Pacing for one host: seconds between request starts (plus up to `jitter`), and a cap."""

    interval: float
    jitter: float = 0.0
    concurrency: int = 2
    blocked_statuses: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently to retry."""

    retries: int = 3
    backoff: float = 1.0
    max_retry_after: float = 60.0
    block_threshold: int = 3


class _HostGate:
    """Spaces request starts to a host and caps those in flight."""

    def __init__(self, policy: HostPolicy, sleep: Sleep, rand: Callable[[], float]) -> None:
        self.policy = policy
        self._sleep = sleep
        self._rand = rand
        self._lock = asyncio.Lock()
        self._slots = asyncio.Semaphore(policy.concurrency)
        self._next_start = 0.0

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        async with self._slots:
            async with self._lock:
                now = time.monotonic()
                wait = self._next_start - now
                spacing = self.policy.interval + self._rand() * self.policy.jitter
                self._next_start = max(now, self._next_start) + spacing
            if wait > 0:
                await self._sleep(wait)
            yield


def retry_after_seconds(response: httpx.Response) -> float | None:
    """The delay a `Retry-After` header asks for (seconds or an HTTP date), if any."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class PoliteHttp:
    """The process's HTTP client for sources, with per-host gates shared by every run."""

    def __init__(
        self,
        *,
        user_agent: str,
        timeout: float,
        proxy: str | None,
        policies: Mapping[str, HostPolicy],
        default_policy: HostPolicy,
        retry: RetryPolicy,
        sleep: Sleep = asyncio.sleep,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.client = httpx.AsyncClient(
            headers={"User-Agent": user_agent, "Accept-Language": "en-US,en;q=0.8"},
            timeout=timeout,
            proxy=proxy,
            # Followed by `RunHttp.get`, which checks where each one leads.
            follow_redirects=False,
            limits=httpx.Limits(max_connections=50, max_keepalive_connections=20),
        )
        self._policies = dict(policies)
        self._default = default_policy
        self.retry = retry
        self._sleep = sleep
        self._rand = rand
        self._gates: dict[str, _HostGate] = {}

    def gate(self, host: str) -> _HostGate:
        """The pacing gate of a host (created on first use)."""
        gate = self._gates.get(host)
        if gate is None:
            policy = self._policies.get(host, self._default)
            gate = self._gates[host] = _HostGate(policy, self._sleep, self._rand)
        return gate

    def for_run(self) -> RunHttp:
        """A per-run view with its own circuit breakers."""
        return RunHttp(self)

    async def backoff(self, attempt: int, response: httpx.Response | None) -> None:
        """Wait before retry `attempt` (0-based): `Retry-After` if given, else exponential."""
        asked = retry_after_seconds(response) if response is not None else None
        base = self.retry.backoff * 2**attempt
        delay = asked if asked is not None else base + self._rand() * base
        await self._sleep(min(delay, self.retry.max_retry_after))

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self.client.aclose()


class RunHttp:
    """One run's HTTP: the shared client and pacing, its own count of blocked answers."""

    def __init__(self, http: PoliteHttp) -> None:
        self._http = http
        self._blocked_in_a_row: dict[str, int] = {}
        self.blocked_hosts: set[str] = set()

    def is_blocked(self, url: str) -> bool:
        """Whether the circuit of this URL's host is open."""
        return _host(url) in self.blocked_hosts

    async def get_text(self, url: str, params: Mapping[str, Any] | None = None) -> str:
        """GET and return the body as text."""
        return (await self.get(url, params)).text

    async def get_json(self, url: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET and decode JSON; `MalformedResponseError` when it is not JSON."""
        return _json(await self.get(url, params), url)

    async def post_json(self, url: str, body: Mapping[str, Any]) -> Any:
        """POST a JSON body (a board API that searches by POST) and decode the JSON answer,
        paced, retried and counted as a GET is. A redirect is refused, not followed: a
        search sent elsewhere would be a request to a place we did not choose."""
        response = await self._send_once("POST", url, None, body)
        if response.status_code in REDIRECT_STATUSES:
            raise RedirectRefusedError(
                f"{_without_query(url)} redirected a search: not followed", response.status_code
            )
        return _json(response, url)

    async def get(self, url: str, params: Mapping[str, Any] | None = None) -> httpx.Response:
        """GET with pacing and retries, following redirects within the URL's host; raises
        `FetchError` (`RedirectRefusedError`, `HostBlockedError`) on failure."""
        response = await self._send_once("GET", url, params)
        for _ in range(MAX_REDIRECTS):
            location = response.headers.get("location")
            if response.status_code not in REDIRECT_STATUSES or not location:
                return response
            target = str(response.url.join(location))
            reason = refused_redirect(url, target)
            if reason is not None:
                raise RedirectRefusedError(
                    f"{_without_query(url)} redirected {reason}: not followed",
                    response.status_code,
                )
            response = await self._send_once("GET", target, None)
        if response.status_code in REDIRECT_STATUSES:
            raise RedirectRefusedError(
                f"{_without_query(url)} redirected more than {MAX_REDIRECTS} times",
                response.status_code,
            )
        return response

    async def _send_once(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        body: Mapping[str, Any] | None = None,
    ) -> httpx.Response:
        """One request (no redirect followed) with pacing and retries."""
        http = self._http
        host = _host(url)
        gate = http.gate(host)
        attempts = http.retry.retries + 1
        for attempt in range(attempts):
            if host in self.blocked_hosts:
                raise HostBlockedError(host)
            last_try = attempt == attempts - 1
            try:
                async with gate.slot():
                    # Check again: the circuit may have opened while we waited our turn.
                    if host in self.blocked_hosts:
                        raise HostBlockedError(host)
                    response = await http.client.request(method, url, params=params, json=body)
            except httpx.TransportError as error:
                if last_try:
                    raise transport_failure(error, url) from error
                logger.info("retrying %s after %s", url, error.__class__.__name__)
                await http.backoff(attempt, None)
                continue
            status = response.status_code
            if status in gate.policy.blocked_statuses:
                if self._count_block(host):
                    raise HostBlockedError(host, status=status)
                await http.backoff(attempt, response)
                continue
            self._blocked_in_a_row[host] = 0
            if status == 429 or status >= 500:
                if last_try:
                    raise _error_status(url, status)
                await http.backoff(attempt, response)
                continue
            if status >= 400:
                raise _error_status(url, status)
            return response
        raise FetchError(
            "refused us (blocked)", detail=f"{_without_query(url)} refused us {attempts} times"
        )

    def _count_block(self, host: str) -> bool:
        count = self._blocked_in_a_row.get(host, 0) + 1
        self._blocked_in_a_row[host] = count
        if count >= self._http.retry.block_threshold:
            self.blocked_hosts.add(host)
            logger.warning(
                "%s refused %d requests in a row: circuit open for this run", host, count
            )
            return True
        return False


def _json(response: httpx.Response, url: str) -> Any:
    try:
        return response.json()
    except ValueError as error:
        raise MalformedResponseError(f"{url} did not answer JSON") from error


def transport_failure(error: httpx.TransportError, url: str) -> FetchError:
    """What a request that got no answer means to a user: timed out, or not reached and
    why, in words; the exception itself is kept as the technical detail."""
    detail = f"{_without_query(url)}: {error.__class__.__name__}: {error}"
    if isinstance(error, httpx.TimeoutException):
        return TimedOutError("timed out: it did not answer in time", detail=detail)
    if not isinstance(error, httpx.ConnectError):
        return UnreachableError("could not be reached: the connection broke off", detail=detail)
    return UnreachableError(f"could not be reached: {_connect_cause(error)}", detail=detail)


def _connect_cause(error: BaseException) -> str:
    """Why a connection failed, from the OS error httpx wraps (several layers deep)."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, socket.gaierror):
            return "no network, or its address is unknown"
        if isinstance(seen, ConnectionRefusedError):
            return "nothing answered at its address"
        if isinstance(seen, OSError) and seen.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            return "no network"
        seen = seen.__cause__ or seen.__context__
    text = str(error).lower()
    # Some layers keep only the text of the OS error they caught.
    if "name or service not known" in text or "temporary failure in name resolution" in text:
        return "no network, or its address is unknown"
    if "connection refused" in text or "all connection attempts failed" in text:
        return "nothing answered at its address"
    return "the connection failed"


def _error_status(url: str, status: int) -> FetchError:
    return FetchError(
        f"answered with an error {status}",
        status=status,
        detail=f"{_without_query(url)} answered {status}",
    )


def _without_query(url: str) -> str:
    # Error lines name the board's address, not its query string.
    return url.split("?", 1)[0]


def _host(url: str) -> str:
    parts = urlsplit(url)
    return parts.netloc.lower()
