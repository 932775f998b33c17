"""The walking skeleton over real parts: HTTP -> PostgreSQL + outbox -> Kafka -> notifications ->
SMTP, and registration's events projected by scheduling."""

import asyncio
import json
import uuid

import asyncpg
import httpx
import pytest

from services.registration.domain.programme import SLUG
from tests.conftest import STAFF

APPLY = f"/api/v1/calls/{SLUG}/applications"


def application(email: str, **overrides) -> dict:
    return {
        "city": f"Kordelió-Évosmos {uuid.uuid4().hex[:6]}",
        "country": "GR",
        "contact_name": "Νίκος Παπαδόπουλος",
        "contact_email": email,
        "language": "el",
        "motivation": "Large public events every summer; we want to learn from Nice and Turin.",
        "consent": True,
    } | overrides


async def submit(stack, body: dict, **headers) -> httpx.Response:
    async with httpx.AsyncClient(base_url=stack["registration"].url, timeout=10) as client:
        return await client.post(APPLY, json=body, headers=headers)


async def test_application_becomes_a_confirmation_in_the_applicant_language(stack, smtp_sink, unique_email):
    body = application(unique_email)
    response = await submit(stack, body, **{"X-Correlation-ID": "e2e-" + unique_email})
    assert response.status_code == 201, response.text
    application_id = response.json()["id"]
    assert response.headers["X-Correlation-ID"] == "e2e-" + unique_email

    [mail] = await smtp_sink.wait_for(lambda m: unique_email in m.rcpt_tos, timeout=30)
    assert mail.language == "el"
    assert mail.subject.startswith("Η αίτηση παρελήφθη: Kordelió-Évosmos")
    assert "Αγαπητέ/ή Νίκος Παπαδόπουλος" in mail.text_body
    assert application_id in mail.text_body and application_id in mail.html_body
    assert mail.html_body.lstrip().lower().startswith("<!doctype html>")
    assert mail.message["Auto-Submitted"] == "auto-generated"

    staff_mails = await smtp_sink.wait_for(
        lambda m: m.rcpt_tos[0] in STAFF and body["city"] in m.subject, count=len(STAFF), timeout=30
    )
    assert sorted(m.rcpt_tos[0] for m in staff_mails) == sorted(STAFF)
    assert all(m.language == "en" and m.subject.startswith("New application:") for m in staff_mails)


async def test_correlation_id_travels_from_request_to_delivery_log(stack, smtp_sink, unique_email):
    correlation = f"trace-{uuid.uuid4()}"
    response = await submit(stack, application(unique_email, language="fr"), **{"X-Correlation-ID": correlation})
    assert response.status_code == 201
    [mail] = await smtp_sink.wait_for(lambda m: unique_email in m.rcpt_tos, timeout=30)
    assert mail.language == "fr" and mail.subject.startswith("Candidature reçue")
    conn = await asyncpg.connect(stack.config.database_url)
    try:
        rows = await conn.fetch(
            "SELECT correlation_id, status, message_id FROM notifications.deliveries WHERE recipient = $1",
            unique_email,
        )
    finally:
        await conn.close()
    assert [(r["correlation_id"], r["status"]) for r in rows] == [(correlation, "sent")]
    assert rows[0]["message_id"] == mail.message_id
    expected = sorted(
        [("registration", "application submitted"), ("scheduling", "event handled"), ("notifications", "event handled")]
        + [("notifications", "email sent")] * (1 + len(STAFF))  # the confirmation and each staff notice
    )
    assert await logged_with(stack, correlation, len(expected)) == expected


async def logged_with(stack, correlation: str, count: int, timeout: float = 10) -> list[tuple[str, str]]:
    """(service, message) of the JSON log lines of every service that carry `correlation`, sorted;
    read again half a second after `count` lines are there, so that a line logged twice shows."""
    for _ in range(int(timeout / 0.2)):
        if len(log_lines(stack, correlation)) >= count:
            break
        await asyncio.sleep(0.2)
    await asyncio.sleep(0.5)
    return sorted(log_lines(stack, correlation))


def log_lines(stack, correlation: str) -> list[tuple[str, str]]:
    found = []
    for service in ("registration", "scheduling", "notifications"):
        for line in (stack.config.log_dir / f"{service}.log").read_text().splitlines():
            if correlation in line and line.startswith("{") and json.loads(line)["correlation_id"] == correlation:
                found.append((service, json.loads(line)["msg"]))
    return found


async def test_scheduling_projects_the_applicant_city(stack, unique_email):
    body = application(unique_email, city=f"Xàbia {uuid.uuid4().hex[:6]}", country="ES", language="es")
    assert (await submit(stack, body)).status_code == 201
    async with httpx.AsyncClient(base_url=stack["scheduling"].url, timeout=10) as client:
        for _ in range(100):
            cities = await known_cities(client, "ES")
            if any(c["city"] == body["city"] and c["country"] == "ES" for c in cities):
                return
            await asyncio.sleep(0.2)
    pytest.fail(f"scheduling never learnt of {body['city']}")


async def known_cities(scheduling: httpx.AsyncClient, country: str, limit: int = 200) -> list[dict]:
    """Every city of `country` scheduling has heard of, walked a window at a time by `next_offset`."""
    found, offset = [], 0
    while offset is not None:
        page = await scheduling.get("/api/v1/cities", params={"country": country, "limit": limit, "offset": offset})
        assert page.status_code == 200, page.text
        found += page.json()["cities"]
        offset = page.json()["next_offset"]
    return found


async def test_scheduling_lists_the_cities_it_heard_of_a_window_at_a_time(stack):
    """One city heard of per applicant city: a burst of applications makes the list long, never the answer."""
    marker = uuid.uuid4().hex[:6]
    conn = await asyncpg.connect(stack.config.database_url, server_settings={"search_path": "scheduling"})
    try:
        await conn.executemany(
            "INSERT INTO cities (city_key, city, country, status, first_seen_at, updated_at)"
            " VALUES ($1, $2, 'CY', 'applicant', now(), now())",
            [(f"burst {marker} {n:03d}|CY", f"Burst {marker} {n:03d}") for n in range(130)],
        )
    finally:
        await conn.close()
    async with httpx.AsyncClient(base_url=stack["scheduling"].url, timeout=10) as client:
        first = (await client.get("/api/v1/cities")).json()
        assert len(first["cities"]) == 50 and first["total"] >= 130 and first["next_offset"] == 50
        cyprus = (await client.get("/api/v1/cities", params={"country": "CY", "limit": 7})).json()
        assert cyprus["total"] >= 130 and {c["country"] for c in cyprus["cities"]} == {"CY"}
        walked = await known_cities(client, "CY", limit=60)
        ours = [c["city"] for c in walked if marker in c["city"]]
        assert ours == [f"Burst {marker} {n:03d}" for n in range(130)] and len(walked) == cyprus["total"]
        too_many = await client.get("/api/v1/cities", params={"limit": 201})
        assert too_many.status_code == 422 and too_many.json()["detail"][0]["loc"] == ["query", "limit"]


@pytest.mark.parametrize("service", ["registration", "scheduling", "notifications"])
async def test_health_endpoints(stack, service):
    async with httpx.AsyncClient(base_url=stack[service].url, timeout=10) as client:
        assert (await client.get("/health/live")).json() == {"status": "live"}
        ready = await client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checks": {"database": "ok", "kafka": "ok"}}


async def test_confirmation_carries_the_private_edit_link(stack, smtp_sink, unique_email):
    response = await submit(stack, application(unique_email, language="pt"))
    assert response.status_code == 201
    [mail] = await smtp_sink.wait_for(lambda m: unique_email in m.rcpt_tos, timeout=30)
    assert "Com esta ligação privada" in mail.text_body
    link = next(line for line in mail.text_body.splitlines() if line.startswith("http"))
    async with httpx.AsyncClient(timeout=10) as client:
        page = await client.get(link)
    assert page.status_code == 200 and "Kordelió-Évosmos" in page.text
