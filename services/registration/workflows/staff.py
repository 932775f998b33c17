"""Staff accounts: the first admin from the command line, then admins invite, change roles and
deactivate (rules in domain/staff.py). Every change is in the audit log with who, when and from where;
a role change or deactivation ends the account's sessions here at once, and in the other services as
soon as they read the SessionsEnded event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from services.registration.domain import messages
from services.registration.domain import staff as rules
from services.registration.domain.staff import StaffAccount
from services.registration.storage import audit, staff
from services.registration.workflows.sign_in import send_link
from shared.dependencies import Dependencies
from shared.logs import correlation_id
from shared.refusals import NotFound, Refused
from shared.security.auth import StaffMember

COMMAND_LINE = "command line"


@dataclass(frozen=True)
class NewAccount:
    email: str
    role: str
    name: str | None = None
    language: str = "en"
    timezone: str = "Europe/Brussels"


async def list_accounts(deps: Dependencies) -> list[StaffAccount]:
    async with deps.pool.acquire() as conn:
        return await staff.list_accounts(conn)


@dataclass(frozen=True)
class AccountOverview:
    """An account as the accounts page lists it, with when its owner last signed in (None: never)."""

    account: StaffAccount
    last_sign_in: datetime | None


async def account_overviews(deps: Dependencies) -> list[AccountOverview]:
    async with deps.pool.acquire() as conn:
        last = await staff.last_sign_ins(conn)
        return [AccountOverview(a, last.get(a.id)) for a in await staff.list_accounts(conn)]


async def account_of(deps: Dependencies, account_id: UUID) -> StaffAccount | None:
    """One account (e.g. the signed-in viewer's, for their language and timezone)."""
    async with deps.pool.acquire() as conn:
        return await staff.get_account(conn, account_id)


async def add_account(deps: Dependencies, wanted: NewAccount) -> tuple[StaffAccount, bool]:
    """`staff add`: the account, and whether it is new (an existing address is kept as it is)."""
    async with deps.pool.acquire() as conn, conn.transaction():
        existing = await staff.account_by_email(conn, wanted.email)
        if existing is not None:
            return existing, False
        account = await _create(conn, deps, wanted)
        await _record(conn, deps, COMMAND_LINE, "staff.added", account, {"role": account.role}, COMMAND_LINE)
    return account, True


async def invite(deps: Dependencies, who: StaffMember, wanted: NewAccount) -> StaffAccount:
    """An admin invites a colleague: a new account (or a deactivated one back) and a sign-in link by email."""
    rules.ensure_admin(who)
    async with deps.pool.acquire() as conn, conn.transaction():
        account = await staff.account_by_email(conn, wanted.email)
        if account is not None and account.active:
            raise Refused("account_exists", "this address already has an active account")
        if account is None:
            account = await _create(conn, deps, wanted)
        else:
            account = rules.reactivate(account, wanted.role, who, deps.now())
            await staff.save_account(conn, account)
        await send_link(conn, deps, account, invited_by=who.name)
        await _record(conn, deps, who.name, "staff.invited", account, {"role": account.role})
    return account


async def change_role(deps: Dependencies, who: StaffMember, account_id: UUID, role: str) -> StaffAccount:
    async with deps.pool.acquire() as conn, conn.transaction():
        admins = await staff.lock_active_admins(conn)
        account = await _locked(conn, account_id)
        changed = rules.change_role(account, role, who, admins, deps.now())
        await staff.save_account(conn, changed)
        await _end_sessions(conn, deps, account, "role_changed")
        await _record(conn, deps, who.name, "staff.role_changed", changed, {"from": account.role, "to": role})
    return changed


async def deactivate(deps: Dependencies, who: StaffMember, account_id: UUID) -> StaffAccount:
    async with deps.pool.acquire() as conn, conn.transaction():
        admins = await staff.lock_active_admins(conn)
        account = await _locked(conn, account_id)
        changed = rules.deactivate(account, who, admins, deps.now())
        await staff.save_account(conn, changed)
        ended = await _end_sessions(conn, deps, account, "deactivated")
        await _record(conn, deps, who.name, "staff.deactivated", changed, {"sessions_ended": ended})
    return changed


async def _end_sessions(conn: asyncpg.Connection, deps: Dependencies, account: StaffAccount, reason: str) -> int:
    """End every session of the account here and tell the other services (SessionsEnded), which only
    verify the cookie's signature; how many were open."""
    now = deps.now()
    ended = await staff.end_sessions_of(conn, account.id, now)
    event = messages.sessions_ended(account.id, ended, now, reason, all_before_now=True)
    await deps.publisher.publish(conn, event, key=account.id, at=now)
    return len(ended)


def _spec(wanted: NewAccount) -> dict:
    return {"email": wanted.email, "name": wanted.name, "role": wanted.role, "language": wanted.language,
            "timezone": wanted.timezone}  # fmt: skip


async def _create(conn: asyncpg.Connection, deps: Dependencies, wanted: NewAccount) -> StaffAccount:
    account = rules.new_account(deps.new_id(), **_spec(wanted), now=deps.now())
    try:
        await staff.insert_account(conn, account)
    except staff.DuplicateAccount:
        raise Refused("account_exists", "this address already has an account") from None
    return account


async def _locked(conn: asyncpg.Connection, account_id: UUID) -> StaffAccount:
    account = await staff.get_account(conn, account_id, lock=True)
    if account is None:
        raise NotFound("staff account")
    return account


async def _record(
    conn: asyncpg.Connection,
    deps: Dependencies,
    actor: str,
    action: str,
    account: StaffAccount,
    details: dict,
    origin: str | None = None,
) -> None:
    await audit.record(
        conn, at=deps.now(), actor=actor, action=action, subject=str(account.id),
        details=details | {"email": account.email}, correlation_id=correlation_id.get(), origin=origin,
    )  # fmt: skip
