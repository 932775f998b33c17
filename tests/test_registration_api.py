"""Bad input to the registration API: clear 4xx answers and nothing half-written."""

from datetime import UTC, datetime, timedelta

import pytest

from services.registration.domain.calls import Call
from services.registration.domain.programme import SLUG
from services.registration.storage import calls
from tests.test_end_to_end import APPLY, application


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
    assert missing == {"country", "contact_name", "contact_email", "language", "motivation", "consent"}
    assert await row_counts(db) == before


async def test_unknown_call_is_404(client, unique_email):
    response = await client.post("/api/v1/calls/no-such-call/applications", json=application(unique_email))
    assert response.status_code == 404
    assert "no-such-call" in response.json()["detail"]


async def test_same_city_twice_is_409_without_revealing_anything(client, db, unique_email):
    body = application(unique_email)
    assert (await client.post(APPLY, json=body)).status_code == 201
    before = await row_counts(db)
    second = body | {"city": body["city"].upper(), "contact_email": "x@y.example.eu", "language": "en"}
    again = await client.post(APPLY, json=second)
    assert again.status_code == 409
    detail = again.json()["detail"]
    assert "already applied" in detail and "sent again" in detail and unique_email not in again.text
    assert "/applications/" not in again.text
    assert await row_counts(db) == before


async def test_closed_call_is_409_with_the_deadline(client, db, unique_email):
    closes = datetime(2023, 10, 31, 22, 59, tzinfo=UTC)
    await calls.upsert_call(db, Call("closed-call", {"en": "Old"}, {"en": "d"}, closes - timedelta(days=60), closes))
    body = application(unique_email, language="en", timezone="Europe/Brussels")
    response = await client.post("/api/v1/calls/closed-call/applications", json=body)
    assert response.status_code == 409
    assert response.json()["detail"] == "The call closed on 31 October 2023, 23:59 (Europe/Brussels)."


async def test_closed_call_message_is_in_the_applicant_language_and_timezone(client, unique_email):
    body = application(unique_email, language="fr", country="FR")  # no timezone given: the country's
    response = await client.post("/api/v1/calls/closed-call/applications", json=body)
    assert response.status_code == 409
    assert response.json()["detail"] == "L'appel a été clôturé le 31 octobre 2023, 23:59 (Europe/Paris)."


async def test_call_not_yet_open_says_when_it_opens(client, db, unique_email):
    opens = datetime(2099, 1, 5, 8, 0, tzinfo=UTC)
    await calls.upsert_call(db, Call("future-call", {"en": "Later"}, {}, opens, opens + timedelta(days=30)))
    body = application(unique_email, language="lv", country="LV")
    response = await client.post("/api/v1/calls/future-call/applications", json=body)
    assert response.status_code == 409
    assert response.json()["detail"] == "Uzaicinājums tiek atvērts 2099. gada 5. janvāris, 10:00 (Europe/Riga)."


async def test_the_seeded_call_is_public(client):
    call = (await client.get(f"/api/v1/calls/{SLUG}")).json()
    assert call["is_open"] and call["quota"] == 11 and call["timezone"] == "Europe/Brussels"
    assert call["title"]["en"].startswith("PACTESUR 2")
