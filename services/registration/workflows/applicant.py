"""What applicants do: submit, ask for their link again, view, edit, withdraw."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from uuid import UUID

import asyncpg

from services.registration.domain import messages
from services.registration.domain.applications import (
    Application,
    ApplicationForm,
    InformationRequest,
    NotEditable,
    answer_information_request,
    edit_deadline,
    ensure_editable,
    new_application,
    update_application,
)
from services.registration.domain.applications import withdraw as withdraw_application
from services.registration.domain.calls import Call, ensure_open
from services.registration.domain.links import Links
from services.registration.domain.review import IllegalCommand, Status, board_of
from services.registration.storage import applications, audit, calls, cities, information_requests
from services.registration.workflows.calls import existing_call
from services.registration.workflows.selection import offer_place
from shared.dependencies import Dependencies
from shared.logs import correlation_id
from shared.refusals import NotFound, Refused

APPLICANT = "applicant"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Opened:
    """An application opened through its edit link."""

    application: Application
    call: Call
    editable: bool
    token: str
    question: InformationRequest | None = None
    """Staff's question awaiting the applicant's answer, if any."""


async def submit(deps: Dependencies, slug: str, form: ApplicationForm, consent_text: str) -> tuple[Application, Call]:
    """CallNotOpen, applications.DuplicateApplication or NotFound when refused; nothing is written then
    (a refusal after the insert rolls it back with the transaction)."""
    now = deps.now()
    application = new_application(
        slug, form, now=now, application_id=deps.new_id(), contact_person_id=deps.new_id(), consent_text=consent_text
    )
    async with deps.pool.acquire() as conn, conn.transaction():
        inserted = await applications.insert_application(conn, application, correlation_id.get() or "")
        if inserted is None:
            raise NotFound(f"call {slug!r}")
        call, added = inserted
        ensure_open(call, now)  # before the city's other application: a closed call is the answer then
        if not added:
            raise applications.DuplicateApplication
        edit_url = Links.of(deps.settings).edit(application.id, edit_deadline(application, call))
        await deps.publisher.publish(conn, messages.submitted(application, call, edit_url), key=application.id, at=now)
        await audit.record(
            conn, at=now, actor=APPLICANT, action="application.submitted", subject=str(application.id),
            details={"city": form.city, "country": form.country}, correlation_id=correlation_id.get(),
        )  # fmt: skip
    log.info("application submitted", extra={"application_id": str(application.id), "call": slug})
    return application, call


async def resend_link(deps: Dependencies, slug: str, city: str, country: str) -> None:
    """Mail the edit link to the application's own contact; silent whatever happens (reveals nothing)."""
    now = deps.now()
    async with deps.pool.acquire() as conn, conn.transaction():
        application = await applications.find_by_city(conn, slug, city, country.upper())
        call = await calls.get_call(conn, slug)
        if application is None or call is None:
            return
        try:
            ensure_editable(application, call, now)
        except NotEditable:
            return
        until = edit_deadline(application, call)
        url = Links.of(deps.settings).edit(application.id, until)
        payload = messages.edit_link(application, call, now, url, until)
        await deps.publisher.publish(conn, payload, key=application.id, at=now)
        await audit.record(
            conn, at=now, actor="anonymous", action="application.link_resent", subject=str(application.id),
            correlation_id=correlation_id.get(),
        )  # fmt: skip


async def _by_token(
    conn: asyncpg.Connection, deps: Dependencies, token: str, *, lock: bool
) -> tuple[Application, Call]:
    """shared.security.signing.InvalidToken for a bad or expired link. `lock` takes the call, then the
    application (the order staff commands use), so that edits and review commands serialise."""
    application_id = Links.of(deps.settings).application_of(token, deps.now())
    application = await applications.get_application(conn, application_id)
    if application is None or application.erased_at is not None:
        raise NotFound("application")
    call = await existing_call(conn, application.call_slug, lock=lock)
    if lock:
        application = await applications.get_application(conn, application_id, lock=True)
    return application, call


async def open_by_token(deps: Dependencies, token: str) -> Opened:
    async with deps.pool.acquire() as conn:
        application, call = await _by_token(conn, deps, token, lock=False)
        question = await information_requests.open_request(conn, application.id)
    try:
        ensure_editable(application, call, deps.now())
        editable = True
    except NotEditable:
        editable = False
    asked = question if editable and application.status == Status.MORE_INFO_REQUESTED else None
    return Opened(application, call, editable, token, asked)


async def answer_question(deps: Dependencies, token: str, answer: str) -> Application:
    """The applicant answers staff's open question (NotEditable when there is none, or too late, and
    InvalidToken for a bad link): stored, audited, MoreInformationProvided for staff; under review again."""
    now = deps.now()
    async with deps.pool.acquire() as conn, conn.transaction():
        application, call = await _by_token(conn, deps, token, lock=True)
        question = await information_requests.open_request(conn, application.id)
        if question is None:
            raise NotEditable("status")
        back, answered = answer_information_request(application, call, question, answer, now)
        await applications.save_application(conn, back)
        await information_requests.save_answer(conn, answered)
        await deps.publisher.publish(conn, messages.information_provided(back, call, answered), key=back.id, at=now)
        await audit.record(
            conn, at=now, actor=APPLICANT, action="application.information_provided", subject=str(back.id),
            details={"request": str(answered.id)}, correlation_id=correlation_id.get(),
        )  # fmt: skip
    return back


async def edit(deps: Dependencies, token: str, form: ApplicationForm) -> Application:
    """NotEditable, DuplicateApplication (the new city name is taken) or InvalidToken when refused."""
    now = deps.now()
    async with deps.pool.acquire() as conn, conn.transaction():
        application, call = await _by_token(conn, deps, token, lock=True)
        answered = application.status == Status.MORE_INFO_REQUESTED
        changed_application, changed = update_application(application, call, form, now)
        await applications.save_application(conn, changed_application)
        until = edit_deadline(changed_application, call)
        url = Links.of(deps.settings).edit(application.id, max(until, edit_deadline(application, call)))
        payload = messages.updated(changed_application, call, changed, url, until, answered)
        await deps.publisher.publish(conn, payload, key=application.id, at=now)
        await audit.record(
            conn, at=now, actor=APPLICANT, action="application.updated", subject=str(application.id),
            details={"changed": list(changed), "answered_more_information": answered},
            correlation_id=correlation_id.get(),
        )  # fmt: skip
    return changed_application


async def withdraw(deps: Dependencies, application_id: UUID, actor: str = APPLICANT) -> UUID | None:
    """Withdraw (NotEditable when too late); returns the application promoted to the freed place, if any."""
    now = deps.now()
    async with deps.pool.acquire() as conn, conn.transaction():
        application = await applications.get_application(conn, application_id)
        if application is None:
            raise NotFound("application")
        call = await existing_call(conn, application.call_slug, lock=True)
        application = await applications.get_application(conn, application_id, lock=True)
        was_selected = application.status == Status.SELECTED
        withdrawn = withdraw_application(application, call, now)
        try:
            board, promoted = board_of(call.quota, await applications.board_entries(conn, call.slug)).withdraw(
                application.id
            )
        except IllegalCommand as refused:
            raise Refused(refused.code, str(refused)) from None
        await applications.save_application(conn, withdrawn)
        if was_selected:
            await cities.drop_pending_city(conn, application.id)
        await deps.publisher.publish(conn, messages.withdrawn(withdrawn, call, was_selected), key=withdrawn.id, at=now)
        await audit.record(
            conn, at=now, actor=actor, action="application.withdrawn", subject=str(application.id),
            details={"was": application.status.value}, correlation_id=correlation_id.get(),
        )  # fmt: skip
        if promoted is not None:
            await offer_place(
                conn, deps, call, promoted, board.entries[promoted], replaces=withdrawn.form.city, now=now
            )
    return promoted


async def withdraw_by_token(deps: Dependencies, token: str) -> UUID | None:
    async with deps.pool.acquire() as conn:
        application, _ = await _by_token(conn, deps, token, lock=False)
    return await withdraw(deps, application.id)
