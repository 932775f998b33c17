"""Sign-in by an emailed one-time link, sessions and sign-out (rules in domain/sign_in.py).

A request for a link answers the same whatever the address: an unknown or deactivated address, or a
person who already has LINKS_PER_WINDOW links on their way, gets nothing, and the audit log says so.
"""

from __future__ import annotations

import secrets
from uuid import UUID

import asyncpg

from services.registration.domain import messages
from services.registration.domain.links import Links
from services.registration.domain.sign_in import LINK_LIFETIME, LinkUsed, SignInLink, digest, may_send_another, new_link
from services.registration.domain.sign_in import use as use_link
from services.registration.domain.staff import StaffAccount
from services.registration.storage import audit, staff
from shared.dependencies import Dependencies
from shared.logs import client_address, correlation_id
from shared.refusals import NotFound
from shared.security import sessions
from shared.security.auth import StaffMember

ANONYMOUS = "anonymous"
SIGN_IN = "sign-in"
"""The audit subject of requests that name no account."""


async def send_link(
    conn: asyncpg.Connection, deps: Dependencies, account: StaffAccount, invited_by: str | None
) -> SignInLink:
    """A new link for `account`, on its way by email (in the caller's transaction)."""
    now = deps.now()
    token = secrets.token_urlsafe(32)
    link = new_link(token, "staff", account.id, now)
    await staff.insert_link(conn, link)
    url = Links.of(deps.settings).sign_in(token)
    await deps.publisher.publish(conn, messages.sign_in_link(account, link, url, invited_by), key=account.id, at=now)
    return link


async def request_link(deps: Dependencies, email: str) -> None:
    """Someone asked for a sign-in link for `email`: it goes to that address if it has an account."""
    now = deps.now()
    async with deps.pool.acquire() as conn, conn.transaction():
        account = await staff.account_by_email(conn, email)
        if account is None or not account.active:
            await _record(conn, deps, ANONYMOUS, "sign_in.refused", SIGN_IN, {"why": "no active account"})
            return
        if not may_send_another(await staff.links_since(conn, account.id, now - LINK_LIFETIME)):
            await _record(conn, deps, account.email, "sign_in.throttled", str(account.id))
            return
        link = await send_link(conn, deps, account, invited_by=None)
        await _record(conn, deps, account.email, "sign_in.link_sent", str(account.id), {"expires_at": link.expires_at})


async def printed_link(deps: Dependencies, email: str) -> str:
    """A sign-in link handed over directly instead of emailed (`staff add --link`, `make run`)."""
    now = deps.now()
    async with deps.pool.acquire() as conn, conn.transaction():
        account = await staff.account_by_email(conn, email)
        if account is None or not account.active:
            raise NotFound("active staff account with this address")
        token = secrets.token_urlsafe(32)
        await staff.insert_link(conn, new_link(token, "staff", account.id, now))
        await _record(conn, deps, "command line", "sign_in.link_printed", str(account.id))
    return Links.of(deps.settings).sign_in(token)


async def link_is_usable(deps: Dependencies, token: str) -> None:
    """NotFound, LinkUsed or LinkExpired when the link cannot sign in (before showing its button)."""
    async with deps.pool.acquire() as conn:
        link = await staff.get_link(conn, digest(token))
    if link is None:
        raise NotFound("sign-in link")
    use_link(link, deps.now())


async def sign_in(deps: Dependencies, token: str) -> str:
    """Use the link once and open a session; the session cookie's value."""
    now = deps.now()
    async with deps.pool.acquire() as conn, conn.transaction():
        link = await staff.get_link(conn, digest(token), lock=True)
        if link is None:
            raise NotFound("sign-in link")
        link = use_link(link, now)
        account = await staff.get_account(conn, link.person_id)
        if account is None or not account.active:
            raise LinkUsed()  # deactivated since the link was sent: it is of no use any more
        await staff.mark_link_used(conn, link)
        member = account.member()
        session = sessions.new_session(
            deps.new_id(), account.id, "staff", account.email, account.role, now, member.language, member.timezone
        )
        await staff.insert_session(conn, session, now, client_address.get())
        await _record(conn, deps, account.email, "sign_in", str(account.id), {"session": session.session_id})
    return sessions.issue(deps.settings.signing_key, session)


async def current_staff(deps: Dependencies, session: sessions.Session) -> StaffMember | None:
    """The staff member of an open session, with the account's role now; None once it was ended or the
    account deactivated."""
    async with deps.pool.acquire() as conn:
        if not await staff.session_is_open(conn, session.session_id, deps.now()):
            return None
        account = await staff.get_account(conn, session.person_id)
    return account.member() if account is not None and account.active else None


async def sign_out(deps: Dependencies, session_id: UUID, person_id: UUID) -> None:
    now = deps.now()
    async with deps.pool.acquire() as conn, conn.transaction():
        if await staff.end_session(conn, session_id, now):
            account = await staff.get_account(conn, person_id)
            actor = account.email if account is not None else str(person_id)
            await _record(conn, deps, actor, "sign_out", str(person_id), {"session": session_id})


async def _record(
    conn: asyncpg.Connection, deps: Dependencies, actor: str, action: str, subject: str, details: dict | None = None
) -> None:
    await audit.record(
        conn, at=deps.now(), actor=actor, action=action, subject=subject, details=details,
        correlation_id=correlation_id.get(),
    )  # fmt: skip
