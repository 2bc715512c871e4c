"""The tables. Times are stored as timezone-aware UTC on both SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A datetime that always comes back timezone-aware in UTC (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Normalise to UTC before writing."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: pass an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Attach UTC to what SQLite returns naive."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base with stable constraint names, so migrations are reproducible."""

    metadata = MetaData(naming_convention=NAMING)


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


class User(Base):
    """An account.

    An id is never given again once its account is deleted (PostgreSQL's sequences never
    do; SQLite needs AUTOINCREMENT): what is kept by user id (a process's ranking indexes,
    event streams) must never reach a later account.
    """

    __tablename__ = "users"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(512))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Granted and revoked only from the command line (`dreamjob admin`), never by an email.
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Posting(Base):
    """A job posting. One the server fetched from a board is `shared`: stored once per
    `(source, external_id)` and linked to every user whose run meets it. One a user supplied
    (an import, a file) is theirs alone, once per `(source, external_id)` for `owner_id`:
    no board run and no other user ever sees it, so nobody can plant a posting for others.
    """

    __tablename__ = "postings"
    __table_args__ = (
        # Private copies, one per owner (NULLs are distinct: shared rows are not held here);
        # also the index every lookup by identity reads.
        UniqueConstraint("source", "external_id", "owner_id", name="uq_postings_identity"),
        Index(
            "uq_postings_shared_identity",
            "source",
            "external_id",
            unique=True,
            sqlite_where=text("shared"),
            postgresql_where=text("shared"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Fetched by the server from a board (any user's run may link it), or supplied by a user.
    shared: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    # Who supplied a private posting; NULL for shared ones, and once that account is gone
    # (the posting then belongs to nobody and is never linked again).
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True, index=True
    )
    source: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(1024))
    link: Mapped[str] = mapped_column(String(2048))
    title: Mapped[str] = mapped_column(String(512))
    company: Mapped[str] = mapped_column(String(512), default="")
    location: Mapped[str] = mapped_column(String(512), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    salary: Mapped[str] = mapped_column(String(512), default="")
    employment_type: Mapped[str] = mapped_column(String(256), default="")
    seniority_level: Mapped[str] = mapped_column(String(256), default="")
    job_function: Mapped[str] = mapped_column(String(512), default="")
    industries: Mapped[str] = mapped_column(String(512), default="")
    # Cross-board dedupe: postings sharing a group are the same job seen on several boards;
    # NULL: the posting is its own group (its id).
    job_key: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    description_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    group_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    # Whether the keyword search index (storage/search_index.py) holds this posting; rows
    # stored before the index existed are indexed on demand.
    search_indexed: Mapped[bool] = mapped_column(Boolean, default=False, index=True)


class UserPosting(Base):
    """Links a user to a posting they found: how and when, and where they are with it."""

    __tablename__ = "user_postings"
    __table_args__ = (
        Index("ix_user_postings_user_found", "user_id", "found_at"),
        Index("ix_user_postings_user_status", "user_id", "status", "found_at"),
        Index(
            "ix_user_postings_ranking", "user_id", "posted_at", "found_at", "posting_id", "group_id"
        ),
        Index("ix_user_postings_groups", "user_id", "group_id", "posting_id"),
        Index("ix_user_postings_company", "user_id", "posting_company", "posting_id"),
        Index("ix_user_postings_place", "user_id", "posting_location", "posting_id"),
        Index("ix_user_postings_linked", "user_id", "linked_version"),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    posting_id: Mapped[int] = mapped_column(
        ForeignKey("postings.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    query: Mapped[str] = mapped_column(String(512), default="")
    location: Mapped[str] = mapped_column(String(512), default="")
    found_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(32), default="new")
    note: Mapped[str] = mapped_column(String(2000), default="")
    # Copies of the posting's date and cross-board group (both fixed once it is stored):
    # a user's postings are then read in ranking order from one index, without the
    # postings table (see search/ranker.py).
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    group_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # And of its company and location, for the ranking's filters (`location` above is
    # where the user searched).
    posting_company: Mapped[str] = mapped_column(String(512), default="", server_default="")
    posting_location: Mapped[str] = mapped_column(String(512), default="", server_default="")
    # The user's postings version that this link moved it to (see postings_version.py): an
    # index held at version N takes just the links after N (search/ranker.py).
    linked_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class UserTracking(Base):
    """A user's job-search state: saved keywords and location, blocked companies, last
    visit, and the version of their postings (bumped whenever postings are linked to them,
    so every process can tell its cached ranking index is stale)."""

    __tablename__ = "user_tracking"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    postings_version: Mapped[int] = mapped_column(Integer, default=0)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Where the saved keywords are looked for; null is anywhere.
    location: Mapped[str | None] = mapped_column(String(200), nullable=True)
    blocked_companies: Mapped[list[str]] = mapped_column(JSON, default=list)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Run(Base):
    """An update run: its parameters, state, counts and timings."""

    __tablename__ = "runs"
    __table_args__ = (Index("ix_runs_user_created", "user_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), index=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    message: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The saved search that started it; NULL for a run started by hand (or whose saved
    # search was deleted since).
    saved_search_id: Mapped[int | None] = mapped_column(
        ForeignKey("saved_searches.id", ondelete="SET NULL"), nullable=True, index=True
    )
    # Why its saved search's alert email could not be sent, after every attempt.
    digest_error: Mapped[str | None] = mapped_column(Text, nullable=True)


class SavedSearch(Base):
    """A user's saved search (`params/saved_searches.py`): `spec` is the whole validated
    `SavedSearchSpec` as JSON; `next_run_at` is when the scheduler starts it next, moved
    forward by whichever process claims it (a compare-and-set on this column, so a due
    search runs once however many processes look)."""

    __tablename__ = "saved_searches"
    # Ids are never reused (AUTOINCREMENT on SQLite), so a link to a deleted search never
    # opens a newer one.
    __table_args__ = (Index("ix_saved_searches_due", "next_run_at"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_run_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Alert(Base):
    """A posting new to the user that matched one of their saved searches after its run:
    shown in the app until read. One per user and posting, so a posting alerts once."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("user_id", "posting_id"),
        Index("ix_alerts_user_created", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    posting_id: Mapped[int] = mapped_column(ForeignKey("postings.id", ondelete="CASCADE"))
    saved_search_id: Mapped[int | None] = mapped_column(
        ForeignKey("saved_searches.id", ondelete="SET NULL"), nullable=True
    )
    run_id: Mapped[str] = mapped_column(String(32))
    score: Mapped[int] = mapped_column(Integer)
    matched: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class SessionRow(Base):
    """A login session, for the `database` session store. Times are epoch seconds."""

    __tablename__ = "sessions"
    __table_args__ = (Index("ix_sessions_last_accessed", "last_accessed"),)

    sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[float] = mapped_column(Float)
    last_accessed: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float, index=True)
    device: Mapped[str] = mapped_column(String(120), default="", server_default="")


class RevokedSession(Base):
    """A session ended before its tokens expire, for the stateless session store (`lazy`),
    which keeps no session to delete: its tokens are refused while the sid is listed. Rows go
    at `expires_at`, when the tokens would be refused anyway."""

    __tablename__ = "revoked_sessions"

    sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[float] = mapped_column(Float, index=True)


class LogTicket(Base):
    """A pending single-use ticket for opening a log stream (`POST /logs/ticket`), shared by
    every process on the database when there is no Redis. `name` is the ticket's SHA-256; the
    row is deleted when the ticket is used, or after `expires_at`. The rest is the key of the
    session that asked for it (no foreign key: the session is checked when the ticket is used,
    and the lazy store keeps no session row)."""

    __tablename__ = "log_tickets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    sid: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[float] = mapped_column(Float)
    token_expires_at: Mapped[float] = mapped_column(Float)
    expires_at: Mapped[float] = mapped_column(Float, index=True)


class UserSecret(Base):
    """A user's third-party credential, sealed with AES-GCM (see `vault/`): `sealed` is the
    nonce and ciphertext, `key_id` names the key that sealed it."""

    __tablename__ = "user_secrets"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    key_id: Mapped[str] = mapped_column(String(16), index=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ServerSecret(Base):
    """A credential of the server itself (the SMTP password), sealed as users' secrets are
    but bound to the server, so that no user's sealed value opens as one of these."""

    __tablename__ = "server_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    key_id: Mapped[str] = mapped_column(String(16), index=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RankingSnapshot(Base):
    """A user's ranking index as some process last built it (see `search/snapshots.py`):
    a process that has not ranked for the user starts from it instead of the postings.

    `ids` are the user's posting ids in ranking order (little-endian int64), `filed_ids`
    those filed under another posting's cross-board group, in the same order, and
    `filed_groups` those groups; `fingerprint` names exactly these arrays, and the keyword
    sets computed over them carry it.
    """

    __tablename__ = "ranking_snapshots"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    postings_version: Mapped[int] = mapped_column(Integer)
    fingerprint: Mapped[bytes] = mapped_column(LargeBinary(16))
    ids: Mapped[bytes] = mapped_column(LargeBinary)
    filed_ids: Mapped[bytes] = mapped_column(LargeBinary)
    filed_groups: Mapped[bytes] = mapped_column(LargeBinary)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RankingKeywordSet(Base):
    """The postings of a user's snapshot (`fingerprint`) one keyword matches, as a bitmap
    over its positions; `keyword` is a digest of what the keyword is looked up as."""

    __tablename__ = "ranking_keyword_sets"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    keyword: Mapped[str] = mapped_column(String(64), primary_key=True)
    fingerprint: Mapped[bytes] = mapped_column(LargeBinary(16))
    bitmap: Mapped[bytes] = mapped_column(LargeBinary)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
