"""The demo city (domain/demo.py), taken through the workflows every city goes through: it applies to
the call, staff review, shortlist, select and release it, its focal point accepts the terms and names a
deputy. Their events (ApplicationSubmitted, DecisionReleased, CitySignedUp, ContactChanged) reach the
other services as any city's do: scheduling learns the city from Kafka.

Safe to run again: each step is taken only when the city has not taken it yet, so a second run (or one
after an interrupted run) adds nothing that is there.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.registration.domain import demo
from services.registration.domain.applications import Application
from services.registration.domain.cities import City
from services.registration.domain.programme import SLUG
from services.registration.domain.review import Status
from services.registration.storage import applications, cities
from services.registration.workflows import applicant, selection
from services.registration.workflows.cities import change_contacts, sign_up
from shared.dependencies import Dependencies
from shared.refusals import Refused
from shared.security.auth import StaffMember

STAFF = StaffMember(name=demo.ACTOR, role="admin")
REASON = "demo city of the local stack"


@dataclass(frozen=True)
class DemoCity:
    city: City
    steps: tuple[str, ...]
    """What this run did, in order (empty: the demo city was there already)."""


async def seed_demo_city(deps: Dependencies) -> DemoCity:
    """The demo city, signed up with a focal point and a deputy; Refused when staff took its application
    elsewhere (rejected, withdrawn) or staged other decisions on the call that a release would announce."""
    steps = []
    application = await _application(deps)
    if application is None:
        consent = demo.consent_text(deps.settings.rejected_retention_days)
        application, _ = await applicant.submit(deps, SLUG, demo.APPLICATION, consent)
        steps.append("applied")
    city = await _city(deps)
    if city is None:
        await _select(deps, application)
        steps.append("selected")
        city = await _city(deps)
    if city.status != "signed_up":
        city = await sign_up(deps, city.id)
        steps.append("signed up")
    if city.contact("deputy") is None:
        city = await change_contacts(deps, city.id, demo.CONTACTS, f"{STAFF.role}:{STAFF.name}")
        steps.append("deputy named")
    return DemoCity(city, tuple(steps))


async def _select(deps: Dependencies, application: Application) -> None:
    """Review, shortlist, stage the selection and release it, from wherever the application stands."""
    if application.status == Status.SUBMITTED:
        await selection.move(deps, application.id, Status.UNDER_REVIEW, STAFF, REASON)
    if application.status in (Status.SUBMITTED, Status.UNDER_REVIEW):
        await selection.move(deps, application.id, Status.SHORTLISTED, STAFF, REASON)
    elif application.status != Status.SHORTLISTED:
        raise Refused("demo_application", f"the demo city's application is {application.status.value}")
    if application.staged_decision != Status.SELECTED:
        await selection.stage(deps, application.id, Status.SELECTED, STAFF, REASON)
    await _refuse_others_staged(deps, application)
    await selection.release(deps, SLUG, STAFF)


async def _refuse_others_staged(deps: Dependencies, application: Application) -> None:
    """A release announces every staged decision of the call: the demo never releases staff's."""
    async with deps.pool.acquire() as conn:
        entries = await applications.board_entries(conn, SLUG)
    if any(entry.staged is not None for other, entry in entries if other != application.id):
        raise Refused("staged", "staff staged decisions on the call: release them before the demo city is selected")


async def _application(deps: Dependencies) -> Application | None:
    async with deps.pool.acquire() as conn:
        return await applications.find_by_city(conn, SLUG, demo.NAME, demo.COUNTRY)


async def _city(deps: Dependencies) -> City | None:
    async with deps.pool.acquire() as conn:
        return await cities.find_city(conn, demo.NAME, demo.COUNTRY)
