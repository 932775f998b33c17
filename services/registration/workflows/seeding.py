"""Seed the real call: the consortium as signed-up cities and the demo call (domain/programme.py).

Idempotent: a member already known is left as it is, and so is an existing call unless `reset`
re-opens it from today.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from services.registration.domain import messages
from services.registration.domain.calls import Call
from services.registration.domain.links import Links
from services.registration.domain.programme import SLUG, TIMEZONE, consortium_cities, demo_call
from services.registration.storage import calls, cities
from shared.dependencies import Dependencies


@dataclass(frozen=True)
class Seeded:
    members_added: tuple[str, ...]
    call: Call
    call_opened: bool
    """False when the call existed and was kept as it was."""


async def seed(deps: Dependencies, days: int, reset: bool) -> Seeded:
    """Each consortium member once (CitySignedUp lets the other services know it), then the call."""
    now = deps.now()
    async with deps.pool.acquire() as conn, conn.transaction():
        added = []
        for city in consortium_cities(now):
            if await cities.get_city(conn, city.id) is None:
                await cities.save_city(conn, city)
                await deps.publisher.publish(conn, messages.city_signed_up(city), key=city.id, at=now)
                added.append(city.name)
        existing = await calls.get_call(conn, SLUG)
        if existing and not reset:
            return Seeded(tuple(added), existing, call_opened=False)
        call = demo_call(now.astimezone(ZoneInfo(TIMEZONE)).date(), days)
        await calls.upsert_call(conn, call)
        await deps.publisher.publish(
            conn, messages.call_opened(call, Links.of(deps.settings).form(SLUG)), key=SLUG, at=now
        )
    return Seeded(tuple(added), call, call_opened=True)
