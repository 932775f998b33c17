"""Recipients' choices: staff profiles (language, zone, digest kinds) and unsubscriptions."""

from __future__ import annotations

import asyncpg

from services.notifications.domain.emails import StaffProfile


async def staff_profiles(conn: asyncpg.Connection | asyncpg.Pool, emails: tuple[str, ...]) -> dict[str, StaffProfile]:
    """The saved profiles of `emails`, by lower-cased address (one query; none for no address)."""
    if not emails:
        return {}
    rows = await conn.fetch(
        "SELECT email, language, timezone, digest_kinds FROM staff_profiles WHERE email = ANY($1::text[])",
        [e.lower() for e in emails],
    )
    return {r["email"]: StaffProfile(r["email"], r["language"], r["timezone"], tuple(r["digest_kinds"])) for r in rows}


async def save_staff_profile(pool: asyncpg.Pool, profile: StaffProfile) -> None:
    await pool.execute(
        "INSERT INTO staff_profiles (email, language, timezone, digest_kinds) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (email) DO UPDATE SET language = $2, timezone = $3, digest_kinds = $4, updated_at = now()",
        profile.email.lower(),
        profile.language,
        profile.timezone,
        list(profile.digest_kinds),
    )


async def opted_out(conn: asyncpg.Connection | asyncpg.Pool, recipients: list[str]) -> set[tuple[str, str]]:
    if not recipients:
        return set()
    rows = await conn.fetch(
        "SELECT recipient, kind FROM opt_outs WHERE recipient = ANY($1::text[])", [r.lower() for r in recipients]
    )
    return {(r["recipient"], r["kind"]) for r in rows}


async def opt_out(pool: asyncpg.Pool, recipient: str, kind: str) -> None:
    await pool.execute(
        "INSERT INTO opt_outs (recipient, kind) VALUES ($1, $2) ON CONFLICT DO NOTHING", recipient.lower(), kind
    )
