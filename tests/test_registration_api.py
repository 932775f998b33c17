"""Bad input to the registration API: clear 4xx answers and nothing half-written."""

from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest

from services.registration import storage
from services.registration.domain import Call
from services.registration.seed import SLUG
from tests.test_end_to_end import APPLY, application


@pytest.fixture
async def client(stack):
    async with httpx.AsyncClient(base_url=stack["registration"].url, timeout=10) as client:
        yield client


@pytest.fixture
async def db(stack):
    conn = await asyncpg.connect(stack.config.database_url, server_settings={"search_path": "registration"})
    yield conn
    await conn.close()


async def row_counts(db) -> tuple[int, int]:
    return (
        await db.fetchval("SELECT count(*) FROM applications"),
        await db.fetchval("SELECT count(*) FROM outbox"),
    )


async def test_malformed_json_is_422(client, db):
    before = await row_counts(db)
    response = await client.post(APPLY, content=b'{"city": "Riga",', headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"
    assert await row_counts(db) == before


@pytest.mark.parametrize(
    ("field", "value"),
    [("contact_email", "not-an-email"), ("country", "XX"), ("country", "US"), ("language", "ru"), ("city", "")],
)
async def test_invalid_field_is_named(client, db, unique_email, field, value):
    before = await row_counts(db)
    response = await client.post(APPLY, json=application(unique_email, **{field: value}))
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["body", field]]
    assert await row_counts(db) == before


async def test_missing_fields_are_all_listed(client, db):
    before = await row_counts(db)
    response = await client.post(APPLY, json={"city": "Riga"})
    assert response.status_code == 422
    missing = {e["loc"][-1] for e in response.json()["detail"] if e["type"] == "missing"}
    assert missing == {"country", "contact_name", "contact_email", "language", "motivation"}
    assert await row_counts(db) == before


async def test_unknown_call_is_404(client, unique_email):
    response = await client.post("/api/v1/calls/no-such-call/applications", json=application(unique_email))
    assert response.status_code == 404
    assert "no-such-call" in response.json()["detail"]


async def test_same_city_twice_is_409_without_revealing_anything(client, db, unique_email):
    body = application(unique_email)
    assert (await client.post(APPLY, json=body)).status_code == 201
    before = await row_counts(db)
    again = await client.post(APPLY, json=body | {"city": body["city"].upper(), "contact_email": "x@y.example.eu"})
    assert again.status_code == 409
    assert "already applied" in again.json()["detail"] and unique_email not in again.text
    assert await row_counts(db) == before


async def test_closed_call_is_409_with_the_deadline(client, db, unique_email):
    closes = datetime(2023, 10, 31, 22, 59, tzinfo=UTC)
    await storage.upsert_call(db, Call("closed-call", {"en": "Old"}, {"en": "d"}, closes - timedelta(days=60), closes))
    response = await client.post("/api/v1/calls/closed-call/applications", json=application(unique_email))
    assert response.status_code == 409
    assert "31 October 2023 at 23:59 (Europe/Brussels)" in response.json()["detail"]


async def test_the_seeded_call_is_public(client):
    call = (await client.get(f"/api/v1/calls/{SLUG}")).json()
    assert call["is_open"] and call["quota"] == 11 and call["timezone"] == "Europe/Brussels"
    assert call["title"]["en"].startswith("PACTESUR 2")
