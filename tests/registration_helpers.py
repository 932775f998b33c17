"""Helpers of the registration tests: staff calls, applications, and reading the events in the outbox."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import asyncpg
import httpx

from shared.contracts.registry import parse_event
from shared.dependencies import Dependencies
from shared.privacy.keyring import Keyring
from shared.settings import Settings
from tests.conftest import ADMIN_TOKEN, REVIEWER_TOKEN, SECRET_KEY

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
REVIEWER = {"Authorization": f"Bearer {REVIEWER_TOKEN}"}


def deps_at(stack, pool: asyncpg.Pool, moment: datetime) -> Dependencies:
    """What a registration workflow is given, on the stack's database, with its clock stopped at `moment`."""
    config = stack.config
    settings = Settings(
        database_url=config.database_url,
        kafka_bootstrap_servers=config.kafka_bootstrap_servers,
        secret_key=config.secret_key,
    )
    return Dependencies.of("registration", pool, settings, clock=lambda: moment)


def email() -> str:
    """An applicant's address no other test uses."""
    return f"applicant-{uuid.uuid4().hex[:10]}@city.example.eu"


def form(email: str, **overrides) -> dict:
    return {
        "city": f"Gdańsk {uuid.uuid4().hex[:6]}",
        "country": "PL",
        "region": "Pomorskie",
        "population": 486_000,
        "contact_name": "Agnieszka Nowak",
        "contact_role": "Head of municipal police",
        "contact_email": email,
        "contact_phone": "+48 58 323 60 00",
        "language": "pl",
        "motivation": "The Baltic Sail festival and large concerts in the shipyard.",
        "experience": "Hostile vehicle mitigation since 2019.",
        "public_events": "Baltic Sail, St Dominic's Fair",
        "public_private_cooperation": "Joint exercises with stadium security.",
        "commit_police_academies": True,
        "commit_host_exchange": True,
        "consent": True,
    } | overrides


async def new_call(client: httpx.AsyncClient, *, quota: int = 2, opens=None, closes=None, **extra) -> str:
    now = datetime.now(UTC)
    slug = f"test-call-{uuid.uuid4().hex[:8]}"
    body = {
        "slug": slug,
        "title": {"en": "Test call", "fr": "Appel de test", "pl": "Nabór testowy"},
        "description": {"en": "For tests"},
        "opens_at": (opens or now - timedelta(days=1)).isoformat(),
        "closes_at": (closes or now + timedelta(days=30)).isoformat(),
        "quota": quota,
    } | extra
    response = await client.post("/api/v1/staff/calls", json=body, headers=ADMIN)
    assert response.status_code == 201, response.text
    return slug


async def apply(client: httpx.AsyncClient, slug: str, email: str, **overrides) -> str:
    response = await client.post(f"/api/v1/calls/{slug}/applications", json=form(email, **overrides))
    assert response.status_code == 201, response.text
    return response.json()["id"]


KEYRING = Keyring.of_secret(SECRET_KEY)


async def events(db, event_type: str, key: str) -> list:
    """The payloads registration enqueued for `key`, oldest first (the outbox keeps published rows a
    while), their personal fields opened as a consumer opens them."""
    rows = await db.fetch("SELECT body FROM outbox WHERE key = $1 AND event_type = $2 ORDER BY id", key, event_type)
    return [parse_event(await KEYRING.open_event(db, bytes(r["body"]))).payload for r in rows]


async def last_event(db, event_type: str, key: str):
    found = await events(db, event_type, key)
    assert found, f"no {event_type} for {key}"
    return found[-1]


FORM_COLUMNS = ("city", "country", "contact_name", "contact_email", "language", "motivation")


async def load_applications(
    db, slug: str, count: int, *, country: str = "PL", start: datetime | None = None
) -> list[str]:
    """A deadline burst straight into the table (as the bench loads its history, without the events):
    `count` submitted applications to the call, one second apart from `start`, oldest first."""
    start = start or datetime.now(UTC) - timedelta(days=1)
    batch = uuid.uuid4().hex[:6]
    rows = []
    for n in range(count):
        answers = form(f"burst-{batch}-{n}@city.example.eu", city=f"Burst {batch} {n:05d}", country=country)
        answers.pop("consent")
        base = [answers.pop(column) for column in FORM_COLUMNS]
        at = start + timedelta(seconds=n)
        rows.append((uuid.uuid4(), slug, *base, "submitted", at, "burst", json.dumps(answers), at))
    await db.executemany(
        "INSERT INTO applications (id, call_slug, city, country, contact_name, contact_email, language, motivation,"
        " status, submitted_at, correlation_id, answers, updated_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13)",
        rows,
    )
    return [str(row[0]) for row in rows]


async def load_scores(db, scored: dict[str, int], reviewer: str) -> None:
    """`reviewer` gave every default criterion of each application the score given (1..5)."""
    criteria = ("relevance", "experience", "cooperation", "commitment")
    await db.executemany(
        "INSERT INTO reviews (application_id, reviewer, scores, comment, reviewed_at)"
        " VALUES ($1, $2, $3::jsonb, $4, now())",
        [
            (uuid.UUID(a), reviewer, json.dumps(dict.fromkeys(criteria, value)), "x" * 2000)
            for a, value in scored.items()
        ],
    )


def token_of(url: str) -> str:
    return urlsplit(url).path.rsplit("/", 1)[-1]


async def staff_move(client: httpx.AsyncClient, application_id: str, *targets: str) -> None:
    for target in targets:
        response = await client.post(
            f"/api/v1/staff/applications/{application_id}/status", json={"status": target}, headers=ADMIN
        )
        assert response.status_code == 200, response.text


async def stage(client: httpx.AsyncClient, application_id: str, decision: str | None) -> httpx.Response:
    return await client.put(
        f"/api/v1/staff/applications/{application_id}/decision",
        json={"decision": decision, "reason": "panel meeting"},
        headers=ADMIN,
    )


def json_of(response: httpx.Response) -> dict:
    return json.loads(response.text)


async def selected(client: httpx.AsyncClient, db, email_address: str, *, waitlisted: int = 0, **overrides):
    """An application to a new call of one place, selected and released (plus `waitlisted` others on its
    waiting list): the DecisionReleased of the selected one, with its city id and sign-up link."""
    slug = await new_call(client, quota=1)
    application_id = await apply(client, slug, email_address, **overrides)
    others = [await apply(client, slug, email(), country=overrides.get("country", "PL")) for _ in range(waitlisted)]
    for one, decision in [(application_id, "selected"), *((o, "waitlisted") for o in others)]:
        await staff_move(client, one, "under_review", "shortlisted")
        staged = await stage(client, one, decision)
        assert staged.status_code == 200, staged.text
    released = await client.post(f"/api/v1/staff/calls/{slug}/release", headers=ADMIN)
    assert released.status_code == 200, released.text
    return await last_event(db, "DecisionReleased", application_id)


async def signed_up(client: httpx.AsyncClient, db, email_address: str, **overrides):
    """A city selected from an application and signed up through its emailed link (CitySignedUp)."""
    decision = await selected(client, db, email_address, **overrides)
    joined = await client.post(f"/api/v1/cities/signup/{token_of(decision.signup_url)}", json={"accept_terms": True})
    assert joined.status_code == 200, joined.text
    return decision
