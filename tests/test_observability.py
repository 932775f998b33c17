"""Every service exposes Prometheus metrics: HTTP, outbox, consumer lag, FastStream consumers, loop crashes."""

import asyncio

import httpx
import pytest

from tests.test_end_to_end import APPLY, application


async def scrape(stack, service: str) -> str:
    async with httpx.AsyncClient(base_url=stack[service].url, timeout=10) as client:
        response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


@pytest.mark.parametrize("service", ["registration", "scheduling", "notifications"])
async def test_metrics_are_exposed(stack, service):
    text = await scrape(stack, service)
    for name in ("http_requests_total", "http_request_duration_seconds", "outbox_backlog"):
        assert f"# TYPE {name}" in text, name
    relay_crashes = 'background_loop_crashes_total{loop="kafka connection and outbox relay"} 0.0'
    assert relay_crashes in text, "every background loop has its crash counter, at 0 while all is well"


@pytest.mark.parametrize("service", ["registration", "scheduling", "notifications"])
async def test_metrics_are_not_served_through_the_public_entry(stack, service):
    """The entry forwards every unlisted path to registration: /metrics must not reach the public."""
    async with httpx.AsyncClient(base_url=stack[service].url, timeout=10) as client:
        response = await client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert response.status_code == 404 and "outbox_backlog" not in response.text


async def test_requests_counted_by_route_template(stack, unique_email):
    async with httpx.AsyncClient(base_url=stack["registration"].url, timeout=10) as client:
        assert (await client.post(APPLY, json=application(unique_email))).status_code == 201
    text = await scrape(stack, "registration")
    assert 'route="/api/v1/calls/{call_id}/applications",status="201"' in text


async def test_consumers_report_lag_and_processing(stack, smtp_sink, unique_email):
    async with httpx.AsyncClient(base_url=stack["registration"].url, timeout=10) as client:
        assert (await client.post(APPLY, json=application(unique_email))).status_code == 201
    await smtp_sink.wait_for(lambda m: unique_email in m.rcpt_tos, timeout=30)
    for _ in range(50):
        text = await scrape(stack, "notifications")
        if 'kafka_consumer_lag{group="notifications"' in text and "faststream_received_messages_total" in text:
            break
        await asyncio.sleep(0.2)
    assert 'kafka_consumer_lag{group="notifications",partition="0",topic="pactesur.registration.events"}' in text
    assert "faststream_received_messages_total" in text
    assert 'notifications_deliveries{status="sent"}' in text


async def test_asyncapi_documents_every_contract_and_subscription(stack):
    from shared.contracts import CONTRACTS

    documents = {}
    async with httpx.AsyncClient(timeout=10) as client:
        for service in ("registration", "scheduling", "notifications"):
            response = await client.get(f"{stack[service].url}/asyncapi.json")
            assert response.status_code == 200
            documents[service] = response.json()
            page = await client.get(f"{stack[service].url}/asyncapi")
            assert page.status_code == 200 and "asyncapi" in page.text.lower()
    published = {name for doc in documents.values() for name in doc["components"]["messages"]}
    for event_type, version in CONTRACTS:
        assert any(f":{event_type}.v{version}:" in name for name in published), f"{event_type} v{version} missing"
    notifications_channels = " ".join(documents["notifications"]["channels"])
    assert "pactesur.registration.events" in notifications_channels
    assert all(doc["asyncapi"].startswith("3.") for doc in documents.values())
