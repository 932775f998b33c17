"""A large history loaded straight into the tables with COPY (not through the API), so that the burst
can run again on top of it: cost must not grow with the data.

What one past application leaves behind, `applications` times over: its row in a closed call, its
audit entry, its published outbox event, its person's key, and each consumer's ledger row; and two
sent deliveries (confirmation and staff notice) in the delivery log, with bodies of a realistic size.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import asyncpg

CALL = "bench-history"
BODY = "Dear applicant, thank you for the expression of interest of your city. " * 12
STATUSES = ("submitted", "rejected", "selected", "withdrawn", "waitlisted")
"""In turn; the retention periods (90 days and more) keep them all through the bench."""
CHUNK = 20_000


def _chunks(rows: Iterator[tuple], size: int = CHUNK) -> Iterator[list[tuple]]:
    chunk: list[tuple] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


async def _copy(conn: asyncpg.Connection, schema: str, table: str, columns: list[str], rows: Iterator[tuple]) -> None:
    for chunk in _chunks(rows):
        await conn.copy_records_to_table(table, schema_name=schema, columns=columns, records=chunk)


async def load(url: str, applications: int = 100_000, deliveries_per_application: int = 2) -> dict[str, float]:
    """Load the history and ANALYZE; how many rows went where and how long it took."""
    started = time.perf_counter()
    # Recent enough that no retention period has passed (the retention jobs would spend the burst on it),
    # old enough to sort before the burst: one past application every 30 s until yesterday.
    since = datetime.now(UTC) - timedelta(days=1, seconds=30 * applications)
    ids = [uuid.uuid4() for _ in range(applications)]
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "INSERT INTO registration.calls (slug, title, description, opens_at, closes_at)"
            " VALUES ($1, $2::jsonb, $2::jsonb, $3, $4) ON CONFLICT DO NOTHING",
            CALL,
            json.dumps({"en": "An earlier call"}),
            since,
            since + timedelta(seconds=30 * applications),
        )
        at = [since + timedelta(seconds=30 * n) for n in range(applications)]
        await _copy(
            conn,
            "registration",
            "applications",
            ["id", "call_slug", "city", "country", "contact_name", "contact_email", "language", "motivation"]
            + ["status", "submitted_at", "correlation_id", "answers", "updated_at"],
            (
                (i, CALL, f"Past City {n}", "FR", f"Past Contact {n}", f"past-{n}@history.example.eu", "fr")
                + ("We want safer public spaces." * 4, STATUSES[n % 5], at[n], f"hist-{n}", "{}", at[n])
                for n, i in enumerate(ids)
            ),
        )
        await _copy(
            conn,
            "registration",
            "audit_log",
            ["at", "actor", "action", "subject", "details", "correlation_id"],
            (
                (at[n], "applicant", "application.submitted", f"application:{i}", "{}", f"hist-{n}")
                for n, i in enumerate(ids)
            ),
        )
        await _copy(
            conn,
            "registration",
            "outbox",
            ["event_id", "topic", "key", "event_type", "body", "shard", "created_at", "published_at"],
            (
                (
                    i,
                    "pactesur.registration",
                    str(i),
                    "ApplicationSubmitted",
                    b'{"history":true}' * 40,
                    n % 8,
                    at[n],
                    at[n],
                )
                for n, i in enumerate(ids)
            ),
        )
        await _copy(
            conn,
            "keystore",
            "person_keys",
            ["kid", "subject", "wrapped", "created_at"],
            ((uuid.uuid4(), uuid.uuid4().bytes * 2, "w" * 80, at[n]) for n in range(applications)),
        )
        for schema in ("scheduling", "notifications"):
            # after the first burst, each ledger has rows: the history is written under the same consumer
            consumer = await conn.fetchval(f"SELECT consumer FROM {schema}.processed_events LIMIT 1") or schema
            await _copy(
                conn,
                schema,
                "processed_events",
                ["consumer", "event_id", "processed_at"],
                ((consumer, i, at[n]) for n, i in enumerate(ids)),
            )
        await _copy(
            conn,
            "notifications",
            "deliveries",
            ["event_id", "recipient", "template", "event_type", "essential", "language", "message_id", "subject"]
            + ["body_text", "body_html", "status", "attempts", "correlation_id", "created_at", "sent_at", "decision"],
            (
                (i, recipient, template, "ApplicationSubmitted", True, "fr", f"<{i}.{k}@history>", "Merci")
                + (BODY, f"<p>{BODY}</p>", "sent", 1, f"hist-{n}", at[n], at[n], "essential")
                for n, i in enumerate(ids)
                for k, (recipient, template) in enumerate(
                    [
                        (f"past-{n}@history.example.eu", "application_received"),
                        ("staff@history.example.eu", "staff_new_application"),
                    ][:deliveries_per_application]
                )
            ),
        )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    return {
        "applications": applications,
        "deliveries": applications * deliveries_per_application,
        "load_seconds": round(time.perf_counter() - started, 1),
    }
