"""Each city's focal point and deputy (table focal_points), so that a focal point's bounced email can go to
the deputy (workflows/bounces.py)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import asyncpg

from services.notifications.domain.emails import Recipient
from shared.contracts import Contact


@dataclass(frozen=True)
class StandIn:
    """The city whose focal point an address is, and its deputy if it has one."""

    city_name: str
    deputy: Recipient | None


async def remember(
    conn: asyncpg.Connection, city_id: UUID, city_name: str, focal: Contact, deputy: Contact | None
) -> None:
    """The city's contacts as its latest event says (one focal point per city)."""
    await conn.execute("DELETE FROM focal_points WHERE city_id = $1", city_id)
    await conn.execute(
        "INSERT INTO focal_points (email, city_id, city_name, deputy_email, deputy_name, deputy_language,"
        " deputy_timezone) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        " ON CONFLICT (email) DO UPDATE SET city_id = EXCLUDED.city_id, city_name = EXCLUDED.city_name,"
        " deputy_email = EXCLUDED.deputy_email, deputy_name = EXCLUDED.deputy_name,"
        " deputy_language = EXCLUDED.deputy_language, deputy_timezone = EXCLUDED.deputy_timezone",
        str(focal.email).lower(), city_id, city_name,
        str(deputy.email).lower() if deputy else None, deputy.name if deputy else None,
        deputy.language if deputy else None, deputy.timezone if deputy else None,
    )  # fmt: skip


async def stand_in_for(conn: asyncpg.Connection, address: str) -> StandIn | None:
    row = await conn.fetchrow(
        "SELECT city_name, deputy_email, deputy_name, deputy_language, deputy_timezone FROM focal_points"
        " WHERE email = $1",
        address.lower(),
    )
    if row is None:
        return None
    deputy = None
    if row["deputy_email"] and row["deputy_email"] != address.lower():
        deputy = Recipient(row["deputy_email"], row["deputy_name"], row["deputy_language"], row["deputy_timezone"])
    return StandIn(row["city_name"], deputy)


async def forget(conn: asyncpg.Connection, address: str) -> None:
    """An erased person is neither a focal point nor a deputy here any more."""
    address = address.lower()
    await conn.execute("DELETE FROM focal_points WHERE email = $1", address)
    await conn.execute(
        "UPDATE focal_points SET deputy_email = NULL, deputy_name = NULL, deputy_language = NULL,"
        " deputy_timezone = NULL WHERE deputy_email = $1",
        address,
    )
