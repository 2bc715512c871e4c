"""Register, log in, log out: accounts in the database, sessions in the session manager."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Generic

from dreamjobsearch.auth.emails import InvalidEmailError, normalise_email
from dreamjobsearch.auth.password_policy import common_passwords, password_problem
from dreamjobsearch.auth.passwords import PasswordHasher
from dreamjobsearch.auth.rate_limit import RateLimiter
from dreamjobsearch.auth.throttle import LoginThrottle
from dreamjobsearch.auth.tokens import TokenClaims, TokenCodec
from dreamjobsearch.errors import (
    ConflictError,
    ForbiddenError,
    InvalidValueError,
    NotAuthenticatedError,
    NotFoundError,
    TooManyRequestsError,
)
from dreamjobsearch.sessions.manager import ActiveSession, SessionManager, W
from dreamjobsearch.storage.models import User
from dreamjobsearch.storage.users import EmailTakenError, UserRepository

logger = logging.getLogger(__name__)

BAD_CREDENTIALS = "incorrect email or password"
EMAIL_TAKEN = "an account with this email already exists"


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A bearer token and the session it belongs to."""

    access_token: str
    claims: TokenClaims


class AuthService(Generic[W]):
    """Accounts and logins. Emails are read by `normalise_email` on every path."""

    def __init__(
        self,
        users: UserRepository,
        hasher: PasswordHasher,
        throttle: LoginThrottle,
        sessions: SessionManager[W],
        tokens: TokenCodec,
        registrations: RateLimiter,
    ) -> None:
        self._users = users
        self._hasher = hasher
        self._throttle = throttle
        self._sessions = sessions
        self._tokens = tokens
        self._registrations = registrations
        common_passwords()  # read the list now, not during someone's sign-up

    async def register(
        self, email: str, password: str, client: str, device: str = ""
    ) -> IssuedToken:
        """Create an account and log it in; `ConflictError` when the email is taken,
        `InvalidValueError` for an invalid email or a password that is refused.

        Each client address may try only so many sign-ups an hour (`TooManyRequestsError`
        beyond): one machine cannot fill the server with accounts.
        """
        retry_after = await self._registrations.acquire(client)
        if retry_after is not None:
            logger.warning("sign-up refused: too many from one client address")
            raise TooManyRequestsError(
                f"too many sign-ups from your address: try again in {retry_after} seconds",
                retry_after,
            )
        address = await self._free_address(email, password)
        await self._sessions.ensure_capacity()
        user = await self._create(address, password)
        return await self._start_session(user, device)

    async def create_account(self, email: str, password: str) -> User:
        """Create an account without logging it in (`dreamjob register`), under the same
        rules as `register`: `ConflictError` when the email is taken, `InvalidValueError`
        for an invalid email or a refused password.

        No sign-up limit applies: whoever runs this command can reach the database anyway.
        """
        return await self._create(await self._free_address(email, password), password)

    async def login(self, email: str, password: str, client: str, device: str = "") -> IssuedToken:
        """Check the password and open a new session.

        Raises `TooManyRequestsError` while the account is locked out for this client and
        `NotAuthenticatedError` (the same message for a wrong email or password) otherwise.
        """
        try:
            email = normalise_email(email)
        except InvalidEmailError as error:
            raise NotAuthenticatedError(BAD_CREDENTIALS) from error
        key = f"{email}|{client}"
        retry_after = await self._throttle.retry_after(key)
        if retry_after is not None:
            raise TooManyRequestsError(
                f"too many failed logins: try again in {retry_after} seconds", retry_after
            )
        user = await self._users.by_email(email)
        valid, rehashed = await self._hasher.verify_and_update(
            password, user.password_hash if user else None
        )
        if user is None or not valid or not user.is_active:
            await self._throttle.record_failure(key)
            raise NotAuthenticatedError(BAD_CREDENTIALS)
        await self._throttle.reset(key)
        if rehashed is not None:
            await self._users.set_password_hash(user.id, rehashed)
            logger.info("user %s: password hash made again at the configured cost", user.id)
        return await self._start_session(user, device)

    async def authenticate(self, token: str) -> tuple[TokenClaims, ActiveSession[W]]:
        """The claims and live session behind a bearer token; 401 when either is gone."""
        claims = self._tokens.verify(token)
        active = await self._sessions.resolve(claims.session_key)
        if active is None:
            raise NotAuthenticatedError("session ended: log in again")
        return claims, active

    def renew(self, active: ActiveSession[W]) -> IssuedToken:
        """A fresh token for a live session (same session, new `jti`), expiring at the token
        lifetime from now or when the session does, whichever is sooner: pages keep their
        session cookie alive this way while they are used."""
        token, claims = self._tokens.issue(
            active.key.user_id, active.key.sid, active.record.expires_at
        )
        return IssuedToken(token, claims)

    def close(self) -> None:
        """Stop hashing passwords (at shutdown)."""
        self._hasher.close()

    async def logout(self, sid: str) -> None:
        """End the session; its tokens stop working and its streams close."""
        await self._sessions.close(sid)

    async def change_password(
        self, user_id: int, keep_sid: str, current: str, new: str, client: str
    ) -> int:
        """Set a new password after checking the current one, and end every other session
        of the account (whoever else was in is out); returns how many ended.

        Wrong current passwords count toward the same lockout as failed logins; a new
        password that is refused raises `InvalidValueError`.
        """
        user = await self._users.by_id(user_id)
        if user is None:
            raise NotAuthenticatedError("session ended: log in again")
        _check_password(new, user.email)
        key = f"{user.email}|{client}"
        retry_after = await self._throttle.retry_after(key)
        if retry_after is not None:
            raise TooManyRequestsError(
                f"too many failed attempts: try again in {retry_after} seconds", retry_after
            )
        if not await self._hasher.verify(current, user.password_hash):
            await self._throttle.record_failure(key)
            raise ForbiddenError("the current password is incorrect")
        await self._throttle.reset(key)
        await self._users.set_password_hash(user_id, await self._hasher.hash(new))
        ended = await self._sessions.close_others(user_id, keep_sid)
        logger.info("user %s changed their password; %d other sessions ended", user_id, ended)
        return ended

    async def set_active(self, user_id: int, active: bool) -> int:
        """Enable or disable an account; disabling ends all its sessions (returns how many).

        The account is disabled first, so that no login slips in between.
        """
        if not await self._users.set_active(user_id, active):
            raise NotFoundError("no such user")
        ended = 0 if active else await self._sessions.close_user(user_id)
        logger.info(
            "user %s %s; %d sessions ended", user_id, "enabled" if active else "disabled", ended
        )
        return ended

    async def delete_account(self, user_id: int) -> int:
        """Delete an account with all that is only theirs, and end its sessions.

        Disabled first (no login slips in), then its sessions end (before the database's
        cascade could remove their rows unseen), then it goes.
        """
        if not await self._users.set_active(user_id, False):
            raise NotFoundError("no such user")
        ended = await self._sessions.close_user(user_id)
        await self._users.delete(user_id)
        logger.info("user %s deleted; %d sessions ended", user_id, ended)
        return ended

    async def _free_address(self, email: str, password: str) -> str:
        """The email normalised, once it and the password pass the rules and no account
        has it."""
        address = _valid_email(email)
        _check_password(password, address)
        if await self._users.by_email(address) is not None:
            raise ConflictError(EMAIL_TAKEN)
        return address

    async def _create(self, address: str, password: str) -> User:
        password_hash = await self._hasher.hash(password)
        try:
            user = await self._users.create(address, password_hash)
        except EmailTakenError as error:
            # Another sign-up took the address since it was checked.
            raise ConflictError(EMAIL_TAKEN) from error
        logger.info("registered user %s", user.id)
        return user

    async def _start_session(self, user: User, device: str) -> IssuedToken:
        record = await self._sessions.open(user.id, user.email, device)
        token, claims = self._tokens.issue(user.id, record.sid, record.expires_at)
        return IssuedToken(token, claims)


def _valid_email(email: str) -> str:
    try:
        return normalise_email(email)
    except InvalidEmailError as error:
        raise InvalidValueError(str(error)) from error


def _check_password(password: str, email: str) -> None:
    problem = password_problem(password, email)
    if problem is not None:
        raise InvalidValueError(problem)
