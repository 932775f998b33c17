"""Sign-in by an emailed one-time link, sessions and sign-out (rules in domain/sign_in.py).

Staff and the cities' focal points and deputies sign in the same way; a person who is both staff and a
city contact signs in as staff. A contact's link and session name their city (domain/cities.py
`contact_signing_in`). A request for a link answers the same whatever the address: an unknown or
deactivated address, or a person who already has LINKS_PER_WINDOW links on their way, gets nothing,
and the audit log says so.
"""

from __future__ import annotations

import secrets
from uuid import UUID

import asyncpg

from services.registration.domain import messages
from services.registration.domain.cities import SIGNING_IN, City, CityContact, contact_signing_in, signed_in_contact
from services.registration.domain.links import Links
from services.registration.domain.sign_in import LINK_LIFETIME, LinkUsed, SignInLink, digest, may_send_another, new_link
from services.registration.domain.sign_in import use as use_link
from services.registration.domain.staff import StaffAccount
from services.registration.storage import audit, cities, staff
from shared.dependencies import Dependencies
from shared.logs import client_address, correlation_id
from shared.refusals import NotFound, Refused
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
    event = messages.sign_in_link(messages.staff_person(account), link, url, invited_by)
    await deps.publisher.publish(conn, event, key=account.id, at=now)
    return link


class LinkHeldBack(Refused):
    def __init__(self) -> None:
        super().__init__("too_many_links", "this person was sent too many sign-in links in the last 15 minutes")


async def _send_contact_link(
    conn: asyncpg.Connection, deps: Dependencies, city: City, contact: CityContact, sent_by: StaffMember | None
) -> SignInLink:
    """A new link for a city's focal point or deputy, in their language (in the caller's transaction),
    asked for by themselves or sent by a staff member (who the email names); LinkHeldBack beyond
    LINKS_PER_WINDOW."""
    now = deps.now()
    actor = f"{sent_by.role}:{sent_by.name}" if sent_by else contact.email
    if not may_send_another(await staff.links_since(conn, contact.person_id, now - LINK_LIFETIME)):
        await _record(conn, deps, actor, "sign_in.throttled", str(contact.person_id))
        raise LinkHeldBack()
    token = secrets.token_urlsafe(32)
    link = new_link(token, contact.designation, contact.person_id, now, city_id=city.id)  # type: ignore[arg-type]
    await staff.insert_link(conn, link)
    url = Links.of(deps.settings).sign_in(token)
    event = messages.sign_in_link(messages.city_person(contact), link, url, sent_by.name if sent_by else None, city)
    await deps.publisher.publish(conn, event, key=contact.person_id, at=now)
    details = {"expires_at": link.expires_at, "city": city.id, "as": contact.designation}
    await _record(conn, deps, actor, "sign_in.link_sent", str(contact.person_id), details)
    return link


async def send_city_link(deps: Dependencies, city_id: UUID, designation: str, who: StaffMember) -> CityContact:
    """Staff send a city's focal point or deputy a sign-in link; the contact it went to. NotFound when
    the city has no such contact, LinkHeldBack when they were sent too many already."""
    async with deps.pool.acquire() as conn, conn.transaction():
        city = await cities.get_city(conn, city_id)
        contact = city.contact(designation) if city is not None and designation in SIGNING_IN else None
        if city is None or contact is None:
            raise NotFound("city contact")
        await _send_contact_link(conn, deps, city, contact, who)
    return contact


async def request_link(deps: Dependencies, email: str) -> None:
    """Someone asked for a sign-in link for `email`: it goes to that address if it has a staff account,
    else if it is a city's focal point or deputy."""
    now = deps.now()
    async with deps.pool.acquire() as conn, conn.transaction():
        account = await staff.account_by_email(conn, email)
        if account is None or not account.active:
            found = contact_signing_in(await cities.cities_with_person(conn, email), email)
            if found is None:
                await _record(conn, deps, ANONYMOUS, "sign_in.refused", SIGN_IN, {"why": "no active account"})
                return
            try:
                await _send_contact_link(conn, deps, *found, sent_by=None)
            except LinkHeldBack:
                pass  # recorded; the answer is the same
            return
        if not may_send_another(await staff.links_since(conn, account.id, now - LINK_LIFETIME)):
            await _record(conn, deps, account.email, "sign_in.throttled", str(account.id))
            return
        link = await send_link(conn, deps, account, invited_by=None)
        await _record(conn, deps, account.email, "sign_in.link_sent", str(account.id), {"expires_at": link.expires_at})


async def printed_link(deps: Dependencies, email: str) -> str:
    """A sign-in link handed over directly instead of emailed (`staff add --link`, `seed --demo --link`,
    `make run`): for the address's active staff account, else for the city focal point or deputy it is."""
    now = deps.now()
    token = secrets.token_urlsafe(32)
    async with deps.pool.acquire() as conn, conn.transaction():
        account = await staff.account_by_email(conn, email)
        if account is not None and account.active:
            link = new_link(token, "staff", account.id, now)
        else:
            found = contact_signing_in(await cities.cities_with_person(conn, email), email)
            if found is None:
                raise NotFound("active staff account or city focal point or deputy with this address")
            city, contact = found
            link = new_link(token, contact.designation, contact.person_id, now, city_id=city.id)  # type: ignore[arg-type]
        await staff.insert_link(conn, link)
        await _record(conn, deps, "command line", "sign_in.link_printed", str(link.person_id))
    return Links.of(deps.settings).sign_in(token)


async def link_is_usable(deps: Dependencies, token: str) -> None:
    """NotFound, LinkUsed or LinkExpired when the link cannot sign in (before showing its button)."""
    async with deps.pool.acquire() as conn:
        link = await staff.get_link(conn, digest(token))
    if link is None:
        raise NotFound("sign-in link")
    use_link(link, deps.now())


async def sign_in(deps: Dependencies, token: str) -> sessions.Session:
    """Use the link once and open a session (its cookie: sessions.issue)."""
    now = deps.now()
    async with deps.pool.acquire() as conn, conn.transaction():
        link = await staff.get_link(conn, digest(token), lock=True)
        if link is None:
            raise NotFound("sign-in link")
        link = use_link(link, now)
        opening = _staff_session if link.person_kind == "staff" else _contact_session
        session, actor = await opening(conn, deps, link)
        await staff.mark_link_used(conn, link)
        await staff.insert_session(conn, session, now, client_address.get())
        details = {"session": session.session_id} | ({"city": session.city_id} if session.city_id else {})
        await _record(conn, deps, actor, "sign_in", str(link.person_id), details)
    return session


async def _staff_session(
    conn: asyncpg.Connection, deps: Dependencies, link: SignInLink
) -> tuple[sessions.Session, str]:
    """The session a staff member's link opens, and who they are in the audit log."""
    account = await staff.get_account(conn, link.person_id)
    if account is None or not account.active:
        raise LinkUsed()  # deactivated since the link was sent: it is of no use any more
    member = account.member()
    session = sessions.new_session(
        deps.new_id(), account.id, "staff", account.email, account.role, deps.now(), member.language, member.timezone
    )
    return session, account.email


async def _contact_session(
    conn: asyncpg.Connection, deps: Dependencies, link: SignInLink
) -> tuple[sessions.Session, str]:
    """The session a focal point's or deputy's link opens (it names the city; their name, not their
    address, is the session's name), and who they are in the audit log."""
    city = await cities.get_city(conn, link.city_id) if link.city_id else None
    contact = signed_in_contact(city, link.person_id, link.person_kind)
    if contact is None:
        raise LinkUsed()  # no longer this city's focal point or deputy: the link is of no use any more
    session = sessions.new_session(
        deps.new_id(), contact.person_id, link.person_kind, contact.name, None, deps.now(), contact.language,
        contact.timezone, city_id=link.city_id,
    )  # fmt: skip
    return session, contact.email


async def current_staff(deps: Dependencies, session: sessions.Session) -> StaffMember | None:
    """The staff member of an open session, with the account's role now; None once it was ended or the
    account deactivated, and for a city contact's session."""
    if session.kind != "staff":
        return None
    async with deps.pool.acquire() as conn:
        if not await staff.session_is_open(conn, session.session_id, deps.now()):
            return None
        account = await staff.get_account(conn, session.person_id)
    return account.member() if account is not None and account.active else None


async def current_contact(deps: Dependencies, session: sessions.Session) -> tuple[City, CityContact] | None:
    """The city and the focal point or deputy of an open session, as they are now; None once the session
    ended or the person is no longer that city's focal point or deputy."""
    if session.contact() is None:
        return None
    async with deps.pool.acquire() as conn:
        if not await staff.session_is_open(conn, session.session_id, deps.now()):
            return None
        city = await cities.get_city(conn, session.city_id)  # type: ignore[arg-type]
    contact = signed_in_contact(city, session.person_id, session.kind)
    return (city, contact) if city is not None and contact is not None else None


async def sign_out(deps: Dependencies, session_id: UUID, person_id: UUID) -> None:
    """End the session here and in the other services (SessionsEnded), so that a copy of its cookie
    signs no one in anywhere."""
    now = deps.now()
    async with deps.pool.acquire() as conn, conn.transaction():
        if await staff.end_session(conn, session_id, now):
            event = messages.sessions_ended(person_id, [session_id], now, "sign_out", all_before_now=False)
            await deps.publisher.publish(conn, event, key=person_id, at=now)
            account = await staff.get_account(conn, person_id)
            actor = account.email if account is not None else str(person_id)  # a city contact: by person id
            await _record(conn, deps, actor, "sign_out", str(person_id), {"session": session_id})


async def _record(
    conn: asyncpg.Connection, deps: Dependencies, actor: str, action: str, subject: str, details: dict | None = None
) -> None:
    await audit.record(
        conn, at=deps.now(), actor=actor, action=action, subject=subject, details=details,
        correlation_id=correlation_id.get(),
    )  # fmt: skip
