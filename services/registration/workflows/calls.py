"""Calls for expressions of interest: what anyone may read, what staff create or change, and the
announcement of the deadlines that passed."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from services.registration.domain import messages
from services.registration.domain.calls import Call, CallSpec
from services.registration.domain.links import Links
from services.registration.domain.review import IllegalCommand, board_of
from services.registration.storage import applications, audit, calls
from shared.dependencies import Dependencies
from shared.logs import correlation_id
from shared.refusals import NotFound, Refused


async def existing_call(conn: asyncpg.Connection, slug: str, *, lock: bool = False) -> Call:
    """The call, NotFound if there is none; `lock` holds it for the transaction."""
    call = await calls.get_call(conn, slug, lock=lock)
    if call is None:
        raise NotFound(f"call {slug!r}")
    return call


async def list_calls(deps: Dependencies) -> list[Call]:
    async with deps.pool.acquire() as conn:
        return await calls.list_calls(conn)


@dataclass(frozen=True)
class CallOverview:
    """A call as the staff list shows it: with how many applications it has (withdrawn ones not counted)."""

    call: Call
    applications: int


async def call_overviews(deps: Dependencies) -> list[CallOverview]:
    async with deps.pool.acquire() as conn:
        counts = await applications.count_active_by_call(conn)
        return [CallOverview(call, counts.get(call.slug, 0)) for call in await calls.list_calls(conn)]


async def get_call(deps: Dependencies, slug: str) -> Call:
    async with deps.pool.acquire() as conn:
        return await existing_call(conn, slug)


async def save_call(deps: Dependencies, spec: CallSpec, slug: str, actor: str, *, created: bool) -> Call:
    """Create (Refused "exists" if the slug is taken) or change (NotFound) a call; CallOpened announces it."""
    now = deps.now()
    call = spec.to_call(slug)
    async with deps.pool.acquire() as conn, conn.transaction():
        exists = await calls.get_call(conn, slug, lock=True)
        if created and exists:
            raise Refused("exists", f"A call {slug!r} exists already.")
        if not created and not exists:
            raise NotFound(f"call {slug!r}")
        if exists and call.quota != exists.quota:
            try:
                board_of(exists.quota, await applications.board_entries(conn, slug)).with_quota(call.quota)
            except IllegalCommand as refused:
                raise Refused(refused.code, str(refused)) from None
        await calls.upsert_call(conn, call)
        await deps.publisher.publish(
            conn, messages.call_opened(call, Links.of(deps.settings).form(slug)), key=slug, at=now
        )
        await audit.record(
            conn, at=now, actor=actor, action="call.created" if created else "call.changed",
            subject=slug, details=spec.model_dump(mode="json"), correlation_id=correlation_id.get(),
        )  # fmt: skip
    return call


async def announce_closed_calls(deps: Dependencies) -> int:
    """CallClosed once per call deadline that passed."""
    now = deps.now()
    async with deps.pool.acquire() as conn, conn.transaction():
        due = await calls.calls_to_announce_closed(conn, now)
        for call in due:
            count = await applications.count_active(conn, call.slug)
            await deps.publisher.publish(conn, messages.call_closed(call, count), key=call.slug, at=now)
            await calls.mark_closed_announced(conn, call.slug, now)
    return len(due)
