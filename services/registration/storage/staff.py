"""Staff accounts, city contacts' sign-in links, and sessions (SQL only: rows in, domain objects out)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

from services.registration.domain.sign_in import SignInLink
from services.registration.domain.staff import StaffAccount
from shared.security.sessions import Session

_ACCOUNT = "id, email, name, role, language, timezone, active, created_at, updated_at"


class DuplicateAccount(Exception):
    """An account with this address (in any case) exists."""


def _account(row: asyncpg.Record | None) -> StaffAccount | None:
    return StaffAccount(**dict(row)) if row is not None else None


async def insert_account(conn: asyncpg.Connection, account: StaffAccount) -> None:
    try:
        await conn.execute(
            f"INSERT INTO staff_accounts ({_ACCOUNT}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            account.id, account.email, account.name, account.role, account.language, account.timezone,
            account.active, account.created_at, account.updated_at,
        )  # fmt: skip
    except asyncpg.UniqueViolationError:
        raise DuplicateAccount(account.email) from None


async def save_account(conn: asyncpg.Connection, account: StaffAccount) -> None:
    await conn.execute(
        "UPDATE staff_accounts SET name = $2, role = $3, language = $4, timezone = $5, active = $6, updated_at = $7"
        " WHERE id = $1",
        account.id, account.name, account.role, account.language, account.timezone, account.active,
        account.updated_at,
    )  # fmt: skip


async def get_account(conn: asyncpg.Connection, account_id: UUID, lock: bool = False) -> StaffAccount | None:
    suffix = " FOR UPDATE" if lock else ""
    return _account(await conn.fetchrow(f"SELECT {_ACCOUNT} FROM staff_accounts WHERE id = $1{suffix}", account_id))


async def account_by_email(conn: asyncpg.Connection, email: str) -> StaffAccount | None:
    row = await conn.fetchrow(f"SELECT {_ACCOUNT} FROM staff_accounts WHERE lower(email) = lower($1)", email.strip())
    return _account(row)


async def list_accounts(conn: asyncpg.Connection) -> list[StaffAccount]:
    rows = await conn.fetch(f"SELECT {_ACCOUNT} FROM staff_accounts ORDER BY active DESC, lower(email)")
    return [StaffAccount(**dict(r)) for r in rows]


async def lock_active_admins(conn: asyncpg.Connection) -> int:
    """How many active admins there are, their rows locked, so that two admins demoting each other
    at once cannot leave none."""
    rows = await conn.fetch("SELECT id FROM staff_accounts WHERE active AND role = 'admin' ORDER BY id FOR UPDATE")
    return len(rows)


# --- Sign-in links --------------------------------------------------------------------------------


async def insert_link(conn: asyncpg.Connection, link: SignInLink) -> None:
    await conn.execute(
        "INSERT INTO sign_in_links (token_sha256, person_kind, person_id, created_at, expires_at, used_at, city_id)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7)",
        link.token_sha256, link.person_kind, link.person_id, link.created_at, link.expires_at, link.used_at,
        link.city_id,
    )  # fmt: skip


async def get_link(conn: asyncpg.Connection, token_sha256: str, lock: bool = False) -> SignInLink | None:
    suffix = " FOR UPDATE" if lock else ""
    row = await conn.fetchrow(
        "SELECT token_sha256, person_kind, person_id, created_at, expires_at, used_at, city_id FROM sign_in_links"
        f" WHERE token_sha256 = $1{suffix}",
        token_sha256,
    )
    return SignInLink(**dict(row)) if row is not None else None


async def mark_link_used(conn: asyncpg.Connection, link: SignInLink) -> None:
    await conn.execute("UPDATE sign_in_links SET used_at = $2 WHERE token_sha256 = $1", link.token_sha256, link.used_at)


async def links_since(conn: asyncpg.Connection, person_id: UUID, since: datetime) -> int:
    return await conn.fetchval(
        "SELECT count(*) FROM sign_in_links WHERE person_id = $1 AND created_at > $2", person_id, since
    )


# --- Sessions -------------------------------------------------------------------------------------


async def insert_session(conn: asyncpg.Connection, session: Session, now: datetime, origin: str | None) -> None:
    await conn.execute(
        "INSERT INTO sessions (id, person_kind, person_id, created_at, expires_at, client_address, city_id)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7)",
        session.session_id, session.kind, session.person_id, now, session.expires_at, origin, session.city_id,
    )  # fmt: skip


async def session_is_open(conn: asyncpg.Connection, session_id: UUID, now: datetime) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT true FROM sessions WHERE id = $1 AND ended_at IS NULL AND expires_at > $2", session_id, now
        )
    )


async def end_session(conn: asyncpg.Connection, session_id: UUID, now: datetime) -> bool:
    """Whether a session was open (and is now ended)."""
    status = await conn.execute("UPDATE sessions SET ended_at = $2 WHERE id = $1 AND ended_at IS NULL", session_id, now)
    return status != "UPDATE 0"


async def end_sessions_of(
    conn: asyncpg.Connection, person_id: UUID, now: datetime, city_id: UUID | None = None
) -> list[UUID]:
    """The person's sessions that were open (and are now ended); only those for `city_id` if given."""
    rows = await conn.fetch(
        "UPDATE sessions SET ended_at = $2 WHERE person_id = $1 AND ended_at IS NULL"
        " AND ($3::uuid IS NULL OR city_id = $3) RETURNING id",
        person_id, now, city_id,
    )  # fmt: skip
    return [r["id"] for r in rows]


async def last_sign_ins(conn: asyncpg.Connection) -> dict[UUID, datetime]:
    """When each person last signed in (their latest session's start)."""
    rows = await conn.fetch("SELECT person_id, max(created_at) AS at FROM sessions GROUP BY person_id")
    return {r["person_id"]: r["at"] for r in rows}
