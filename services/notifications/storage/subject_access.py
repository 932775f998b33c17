"""What notifications holds about one email address, each row as PostgreSQL turns it into JSON.
Addresses are kept lower-cased here (deliveries compared with `lower(...)`), never matched with LIKE:
an address may hold `%` or `_`."""

from __future__ import annotations

from typing import Any

import asyncpg

from shared.subject_access import json_rows


async def deliveries(conn: asyncpg.Connection, email: str) -> list[dict[str, Any]]:
    """Every email to the address: what was sent, when, how it went, and its text. Not the event it came
    from (it may name other people) nor the HTML body and calendar file (the same text again)."""
    return await json_rows(
        conn,
        "SELECT jsonb_build_object('id', id, 'event_type', event_type, 'template', template, 'language', language,"
        " 'recipient', recipient, 'essential', essential, 'message_id', message_id, 'subject', subject,"
        " 'status', status, 'decision', decision, 'attempts', attempts, 'last_error', last_error,"
        " 'created_at', created_at, 'sent_at', sent_at, 'calendar_method', calendar_method,"
        " 'body_text', body_text)::text FROM deliveries WHERE lower(recipient) = lower($1) ORDER BY id",
        email,
    )


async def opt_outs(conn: asyncpg.Connection, email: str) -> list[dict[str, Any]]:
    query = "SELECT to_jsonb(o)::text FROM opt_outs o WHERE recipient = lower($1) ORDER BY kind"
    return await json_rows(conn, query, email)


async def bounces(conn: asyncpg.Connection, email: str) -> list[dict[str, Any]]:
    """The bounce reports about mail to the address, and whether it is marked as one that bounces."""
    return await json_rows(
        conn,
        "SELECT (to_jsonb(b) || jsonb_build_object('record', 'bounce_report'))::text FROM bounces b"
        " WHERE recipient = lower($1)"
        " UNION ALL SELECT (to_jsonb(a) || jsonb_build_object('record', 'bounced_address'))::text"
        " FROM bounced_addresses a WHERE recipient = lower($1)",
        email,
    )


async def staff_profiles(conn: asyncpg.Connection, email: str) -> list[dict[str, Any]]:
    return await json_rows(conn, "SELECT to_jsonb(p)::text FROM staff_profiles p WHERE email = lower($1)", email)
