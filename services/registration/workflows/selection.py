"""Staff review and selection: what staff read (a call's applications, one application's file, the
export), moves, scores, staged decisions, release, and the freed-place offer."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from services.registration.domain import messages
from services.registration.domain.applications import Application, InformationRequest, edit_deadline
from services.registration.domain.calls import Call
from services.registration.domain.cities import City, city_from_selection
from services.registration.domain.export import Ranked, applications_csv
from services.registration.domain.links import Links
from services.registration.domain.review import Board, Entry, IllegalCommand, Status, board_of
from services.registration.domain.scoring import (
    Candidate,
    Review,
    ReviewInput,
    Sheet,
    average_score,
    check_scores,
    places_for_viewer,
    ranking,
    scored_criteria,
    visible_reviews,
    weighted_score,
)
from services.registration.storage import applications, audit, calls, cities, information_requests, reviews
from services.registration.workflows.calls import existing_call
from shared.dependencies import Dependencies
from shared.logs import correlation_id
from shared.paging import FIRST_PAGE, Paged, Window, paged
from shared.refusals import NotFound, Refused
from shared.security.auth import StaffMember

SIGNUP_VALIDITY = timedelta(days=60)
DEFAULT_MORE_INFO_DAYS = 14


@dataclass(frozen=True)
class Listed:
    """One application in a call's list, as one staff member may see it (score hidden until they scored)."""

    application: Application
    score: float | None
    reviewed_by_me: bool
    rank: int | None = None
    """Its place in the ranking, when the staff member may see it (scoring.order_for_viewer)."""


@dataclass(frozen=True)
class ShownReview:
    """A review as staff read it: its weighted score and the criteria that score is computed from."""

    review: Review
    weighted: float | None
    computed_from: tuple[str, ...]
    """The keys of the call's criteria the review scored (fewer than the call's when criteria changed since)."""


@dataclass(frozen=True)
class CallApplications:
    call: Call
    page: Paged[Listed]
    """One window of the list, in the order the staff member may see (best first for admins;
    scoring.order_for_viewer), with how many match the filters in all."""

    @property
    def listed(self) -> tuple[Listed, ...]:
        return self.page.items


@dataclass(frozen=True)
class ApplicationFile:
    """One application as one staff member may see it: the reviews they may read, the audit for admins."""

    application: Application
    call: Call
    reviews: tuple[ShownReview, ...]
    hidden: int
    reviewed_by_me: bool
    log: list[dict[str, Any]]
    questions: tuple[InformationRequest, ...] = ()
    """Staff's requests for more information, oldest first, each with its answer once given."""


def _is_admin(who: StaffMember) -> bool:
    return who.role == "admin"


EXPORT_BATCH = 500
"""Full rows an export holds at once: it lists every application, a batch after the other, in ranked order."""


def _snapshot(conn: asyncpg.Connection):
    """One read-only snapshot for a list: the ranking and the page's rows are read from the same state."""
    return conn.transaction(isolation="repeatable_read", readonly=True)


async def _ranking_inputs(
    conn: asyncpg.Connection, call: Call
) -> tuple[list[Candidate], dict[UUID, list[Sheet]], dict[UUID, float | None]]:
    """What ranking reads, and only that: the applications' few columns, the reviews' scores, the averages."""
    every = await applications.candidates(conn, call.slug)
    sheets = await reviews.sheets_of_call(conn, call.slug)
    return every, sheets, {a.id: average_score(sheets.get(a.id, ()), call.criteria) for a in every}


async def call_ranking(conn: asyncpg.Connection, call: Call) -> tuple[list[UUID], dict[UUID, float | None]]:
    """The call's applications best first and their average scores (release orders the waitlist by it),
    from the light columns only."""
    every, _, scores = await _ranking_inputs(conn, call)
    return ranking(scores, {a.id: a.submitted_at for a in every}), scores


async def call_applications(
    deps: Dependencies,
    slug: str,
    who: StaffMember,
    status: str | None = None,
    country: str | None = None,
    window: Window = FIRST_PAGE,
) -> CallApplications:
    """One window of the call's applications (optionally of one status or country) in the order the staff
    member may see them: a reviewer's unscored ones neither ranked nor scored (scoring.order_for_viewer);
    NotFound for no call. The order is computed over every application from their few ranking columns
    and the reviews' scores; only the window's full rows are loaded, so the cost of the page does not
    grow with the forms of the 10,000 others."""
    async with deps.pool.acquire() as conn, _snapshot(conn):
        call = await existing_call(conn, slug)
        every = await applications.candidates(conn, slug)
        sheets = await reviews.sheets_of_call(conn, slug)
        places = places_for_viewer(every, sheets, call.criteria, who.name, _is_admin(who))
        wanted = {a.id for a in every if a.matches(status, country)}
        page = paged([p for p in places if p.application_id in wanted], window)
        rows = await applications.applications_by_id(conn, [p.application_id for p in page.items])
    listed = tuple(Listed(rows[p.application_id], p.score, p.reviewed_by_me, p.rank) for p in page.items)
    return CallApplications(call, Paged(listed, page.window, page.total))


async def application_file(deps: Dependencies, application_id: UUID, who: StaffMember) -> ApplicationFile:
    async with deps.pool.acquire() as conn:
        application = await applications.get_application(conn, application_id)
        if application is None:
            raise NotFound("application")
        call = await calls.get_call(conn, application.call_slug)
        every = await reviews.reviews_of(conn, application_id)
        log = await audit.entries(conn, str(application_id)) if _is_admin(who) else []
        questions = tuple(await information_requests.requests_of(conn, application_id))
    shown = tuple(
        ShownReview(
            r, weighted_score(r.scores, call.criteria), tuple(c.key for c in scored_criteria(r.scores, call.criteria))
        )
        for r in visible_reviews(every, who.name, _is_admin(who))
    )
    mine = any(r.reviewer == who.name for r in every)
    return ApplicationFile(application, call, shown, len(every) - len(shown), mine, log, questions)


async def export_applications(deps: Dependencies, slug: str) -> str:
    """Every application of the call and its score as CSV, best first; NotFound for no call. Ranked
    from the light columns, then the full rows are read once, EXPORT_BATCH at a time in ranked order:
    the export never holds more than one batch of forms besides the text it writes."""
    parts: list[str] = []
    async with deps.pool.acquire() as conn, _snapshot(conn):
        call = await existing_call(conn, slug)
        every, sheets, scores = await _ranking_inputs(conn, call)
        order = ranking(scores, {a.id: a.submitted_at for a in every})
        for start in range(0, max(len(order), 1), EXPORT_BATCH):
            batch = order[start : start + EXPORT_BATCH]
            rows = await applications.applications_by_id(conn, batch)
            lines = (Ranked(rows[a], scores[a], len(sheets.get(a, ()))) for a in batch)
            parts.append(applications_csv(lines, header=not parts))
    return "".join(parts)


async def _locked(conn: asyncpg.Connection, application_id: UUID) -> tuple[Application, Call, Board]:
    """The application, its call (locked: one review command per call at a time) and the call's board."""
    application = await applications.get_application(conn, application_id)
    if application is None:
        raise NotFound("application")
    call = await calls.get_call(conn, application.call_slug, lock=True)
    board = board_of(call.quota, await applications.board_entries(conn, call.slug))
    return await applications.get_application(conn, application_id), call, board


async def _log(conn, now, who: StaffMember, action: str, subject: str, reason: str | None = None, **details) -> None:
    await audit.record(
        conn, at=now, actor=f"{who.role}:{who.name}", action=action, subject=subject, reason=reason,
        details=details, correlation_id=correlation_id.get(),
    )  # fmt: skip


def _refused(error: IllegalCommand) -> Refused:
    return Refused(error.code, str(error))


async def move(deps: Dependencies, application_id: UUID, target: Status, who: StaffMember, reason: str | None) -> Entry:
    now = deps.now()
    async with deps.pool.acquire() as conn, conn.transaction():
        application, call, board = await _locked(conn, application_id)
        try:
            entry = board.move(application_id, target).entries[application_id]
        except IllegalCommand as error:
            raise _refused(error) from None
        await applications.save_entry(conn, application_id, entry, now)
        after = replace(application, status=entry.status, staged_decision=entry.staged)
        payload = messages.moved(after, call, application.status, who.name, now, reason)
        await deps.publisher.publish(conn, payload, key=application_id, at=now)
        await _log(conn, now, who, "review.moved", str(application_id), reason, to=target.value)
    return entry


async def request_more_information(
    deps: Dependencies, application_id: UUID, message: str, days: int, who: StaffMember
) -> Application:
    """Ask the applicant; their edit link works again until the answer is due."""
    now = deps.now()
    async with deps.pool.acquire() as conn, conn.transaction():
        application, call, board = await _locked(conn, application_id)
        try:
            entry = board.move(application_id, Status.MORE_INFO_REQUESTED).entries[application_id]
        except IllegalCommand as error:
            raise _refused(error) from None
        asking = replace(application, status=entry.status, staged_decision=entry.staged, updated_at=now)
        asking = replace(asking, more_info_until=now + timedelta(days=days))
        await applications.save_application(conn, asking)
        question = InformationRequest(deps.new_id(), application_id, message, who.name, now, asking.more_info_until)
        await information_requests.insert(conn, question)
        url = Links.of(deps.settings).edit(application_id, edit_deadline(asking, call))
        payload = messages.more_information(asking, call, message, who.name, now, url)
        await deps.publisher.publish(conn, payload, key=application_id, at=now)
        await _log(conn, now, who, "review.more_information_requested", str(application_id), message, days=days)
    return asking


async def score(deps: Dependencies, application_id: UUID, scored: ReviewInput, who: StaffMember) -> float:
    """Record (or replace) this reviewer's scores; returns their weighted score."""
    now = deps.now()
    async with deps.pool.acquire() as conn, conn.transaction():
        application = await applications.get_application(conn, application_id)
        if application is None:
            raise NotFound("application")
        call = await calls.get_call(conn, application.call_slug)
        try:
            check_scores(scored.scores, call.criteria)
        except ValueError as error:
            raise Refused("scores", str(error)) from None
        await reviews.save_review(conn, Review(application_id, who.name, scored.scores, scored.comment, now))
        everyone = await reviews.reviews_of(conn, application_id)
        own = weighted_score(scored.scores, call.criteria)
        average = average_score(everyone, call.criteria)
        payload = messages.reviewed(application, call, who.name, now, own, average, len(everyone))
        await deps.publisher.publish(conn, payload, key=application_id, at=now)
        await _log(conn, now, who, "review.scored", str(application_id), None, scores=scored.scores, weighted=own)
    return own


async def stage(
    deps: Dependencies, application_id: UUID, decision: Status | None, who: StaffMember, reason: str | None
) -> Entry:
    """Stage a decision (None: unstage); DecisionStaged says so to staff. No applicant is told until release."""
    now = deps.now()
    async with deps.pool.acquire() as conn, conn.transaction():
        application, call, board = await _locked(conn, application_id)
        try:
            board = board.stage(application_id, decision) if decision else board.unstage(application_id)
        except IllegalCommand as error:
            raise _refused(error) from None
        entry = board.entries[application_id]
        await applications.save_entry(conn, application_id, entry, now)
        after = replace(application, status=entry.status, staged_decision=entry.staged)
        await deps.publisher.publish(
            conn, messages.staged(after, call, who.name, now, reason), key=application_id, at=now
        )
        decided = decision.value if decision else None
        await _log(conn, now, who, "decision.staged", str(application_id), reason, decision=decided)
    return entry


async def release(deps: Dependencies, slug: str, who: StaffMember) -> list[tuple[UUID, Status]]:
    """Every staged decision of the call at once; each applicant gets their DecisionReleased."""
    now = deps.now()
    released_now = []
    async with deps.pool.acquire() as conn, conn.transaction():
        call = await existing_call(conn, slug, lock=True)
        order, _ = await call_ranking(conn, call)
        try:
            board, released = board_of(call.quota, await applications.board_entries(conn, slug)).release(order)
        except IllegalCommand as error:
            raise _refused(error) from None
        for outcome in released:
            application = await applications.get_application(conn, outcome.application_id, lock=True)
            decided = replace(
                application,
                status=outcome.decision,
                staged_decision=None,
                waitlist_position=outcome.waitlist_position,
                released_at=now,
                updated_at=now,
            )
            await applications.save_application(conn, decided)
            signup = {}
            if outcome.decision == Status.SELECTED:
                expires = now + SIGNUP_VALIDITY
                city = await _associated_city(conn, deps, decided, expires)
                signup = dict(city_id=city.id, signup_url=Links.of(deps.settings).signup(city.id, expires))
                signup["signup_expires_at"] = expires
            await deps.publisher.publish(conn, messages.decision(decided, call, now, **signup), key=decided.id, at=now)
            released_now.append((decided.id, outcome.decision))
        await _log(
            conn, now, who, "decision.released", slug, None, decisions={str(a): d.value for a, d in released_now}
        )
    return released_now


async def _associated_city(
    conn: asyncpg.Connection, deps: Dependencies, application: Application, signup_due_at: datetime
) -> City:
    """The city awaiting its sign-up (due by `signup_due_at`), created once per selected application."""
    existing = await cities.find_city(conn, application.form.city, application.form.country)
    if existing is not None:
        return existing
    city = city_from_selection(application, city_id=deps.new_id(), signup_due_at=signup_due_at)
    await cities.save_city(conn, city)
    return city


async def offer_place(
    conn: asyncpg.Connection,
    deps: Dependencies,
    call: Call,
    application_id: UUID,
    entry: Entry,
    replaces: str,
    now: datetime,
) -> None:
    """The next waitlisted city takes a freed place (in the withdrawal's transaction)."""
    application = await applications.get_application(conn, application_id, lock=True)
    selected = replace(application, status=entry.status, waitlist_position=None, updated_at=now, released_at=now)
    await applications.save_application(conn, selected)
    expires = now + SIGNUP_VALIDITY
    city = await _associated_city(conn, deps, selected, expires)
    url = Links.of(deps.settings).signup(city.id, expires)
    payload = messages.place_offered(selected, call, now, replaces, city.id, url, expires)
    await deps.publisher.publish(conn, payload, key=application_id, at=now)
    await audit.record(
        conn, at=now, actor="system", action="decision.place_offered", subject=str(application_id),
        details={"replaces": replaces}, correlation_id=correlation_id.get(),
    )  # fmt: skip
